//! WebGPU enums and bitmasks as newtypes over the C values, one file per domain.
//!
//! Each enum is a `#[repr(transparent)]` newtype with one associated constant per value (named as in Dawn's
//! `webgpu_cpp.h`), so any value Dawn hands back, even one this crate does not know, stays sound and prints as
//! its number. Bitmasks are newtypes with `|`, `&` and [`contains`](BufferUsage::contains).

/// Declares an enum newtype over a C enum.
macro_rules! c_enum {
    ($(#[$meta:meta])* $name:ident($c:ident) { $($(#[$vmeta:meta])* $variant:ident = $value:path,)* }) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
        pub struct $name(pub sys::$c);

        #[allow(non_upper_case_globals)]
        impl $name {
            $($(#[$vmeta])* pub const $variant: Self = Self($value);)*

            /// Every value this crate knows, with its name.
            pub const ALL: &'static [(Self, &'static str)] = &[$((Self::$variant, stringify!($variant)),)*];

            /// The value's name as in `webgpu.h`, or `None` for a value this crate does not know.
            pub fn name(self) -> Option<&'static str> {
                Self::ALL.iter().find(|(v, _)| *v == self).map(|(_, n)| *n)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}({:#x})", stringify!($name), self.0),
                }
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                core::fmt::Debug::fmt(self, f)
            }
        }
    };
}

/// Declares a bitmask newtype over a C flags type.
macro_rules! c_flags {
    ($(#[$meta:meta])* $name:ident($c:ident) { $($(#[$vmeta:meta])* $flag:ident = $value:path,)* }) => {
        $(#[$meta])*
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub struct $name(pub sys::$c);

        #[allow(non_upper_case_globals)]
        impl $name {
            /// No flag set.
            pub const None: Self = Self(0);
            $($(#[$vmeta])* pub const $flag: Self = Self($value);)*

            /// Every flag this crate knows, with its name.
            pub const ALL: &'static [(Self, &'static str)] = &[$((Self::$flag, stringify!($flag)),)*];

            /// The raw bits.
            pub const fn bits(self) -> sys::$c {
                self.0
            }

            /// Whether every flag of `other` is set in `self`.
            pub const fn contains(self, other: Self) -> bool {
                self.0 & other.0 == other.0
            }

            /// Whether any flag of `other` is set in `self`.
            pub const fn intersects(self, other: Self) -> bool {
                self.0 & other.0 != 0
            }

            /// Whether no flag is set.
            pub const fn is_empty(self) -> bool {
                self.0 == 0
            }
        }

        impl core::ops::BitOr for $name {
            type Output = Self;
            fn bitor(self, rhs: Self) -> Self {
                Self(self.0 | rhs.0)
            }
        }

        impl core::ops::BitOrAssign for $name {
            fn bitor_assign(&mut self, rhs: Self) {
                self.0 |= rhs.0;
            }
        }

        impl core::ops::BitAnd for $name {
            type Output = Self;
            fn bitand(self, rhs: Self) -> Self {
                Self(self.0 & rhs.0)
            }
        }

        impl core::fmt::Debug for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                if self.0 == 0 {
                    return f.write_str("None");
                }
                let mut rest = self.0;
                let mut first = true;
                for (flag, name) in Self::ALL {
                    if self.contains(*flag) {
                        if !first {
                            f.write_str(" | ")?;
                        }
                        f.write_str(name)?;
                        first = false;
                        rest &= !flag.0;
                    }
                }
                if rest != 0 {
                    if !first {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{:#x}", rest)?;
                }
                Ok(())
            }
        }
    };
}

pub(crate) use c_enum;

mod adapter;
mod buffer;
mod device;
mod shader;

pub use adapter::*;
pub use buffer::*;
pub use device::*;
pub use shader::*;
