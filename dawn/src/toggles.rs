//! [`Toggles`]: Dawn's switches by name, for instances, adapters and devices (`DawnTogglesDescriptor`).

use crate::{Error, Result};
use dawn_sys as sys;
use std::ffi::{CString, c_char};

/// Dawn toggles by name, for instances, adapters and devices (Dawn's `DawnTogglesDescriptor`).
///
/// For instance `Toggles { enabled: &["allow_unsafe_apis"], ..Default::default() }`. Names Dawn does not
/// know are ignored by Dawn (with a warning in its log).
#[derive(Clone, Copy, Debug, Default)]
pub struct Toggles<'a> {
    /// Toggles to turn on.
    pub enabled: &'a [&'a str],
    /// Toggles to turn off.
    pub disabled: &'a [&'a str],
}

/// A `WGPUDawnTogglesDescriptor` and the C strings it points at; keep it in place while Dawn reads it.
pub(crate) struct TogglesChain {
    _strings: Vec<CString>,
    _enabled: Vec<*const c_char>,
    _disabled: Vec<*const c_char>,
    desc: sys::dawn_ext::WGPUDawnTogglesDescriptor,
}

impl TogglesChain {
    /// `None` when there are no toggles; [`ErrorKind::InvalidUse`](crate::ErrorKind::InvalidUse) for a
    /// name with a NUL byte.
    pub(crate) fn new(toggles: &Toggles<'_>) -> Result<Option<Box<Self>>> {
        if toggles.enabled.is_empty() && toggles.disabled.is_empty() {
            return Ok(None);
        }
        let to_c = |names: &[&str]| -> Result<Vec<CString>> {
            names
                .iter()
                .map(|n| {
                    CString::new(*n).map_err(|_| {
                        Error::invalid_use(format!("toggle name {n:?} contains a NUL byte"))
                    })
                })
                .collect()
        };
        let enabled = to_c(toggles.enabled)?;
        let disabled = to_c(toggles.disabled)?;
        let enabled_ptrs: Vec<_> = enabled.iter().map(|s| s.as_ptr()).collect();
        let disabled_ptrs: Vec<_> = disabled.iter().map(|s| s.as_ptr()).collect();
        let desc = sys::dawn_ext::WGPUDawnTogglesDescriptor {
            chain: sys::WGPUChainedStruct {
                next: std::ptr::null_mut(),
                sType: sys::dawn_ext::WGPUSType_DawnTogglesDescriptor,
            },
            enabledToggleCount: enabled_ptrs.len(),
            enabledToggles: enabled_ptrs.as_ptr(),
            disabledToggleCount: disabled_ptrs.len(),
            disabledToggles: disabled_ptrs.as_ptr(),
        };
        let mut strings = enabled;
        strings.extend(disabled);
        Ok(Some(Box::new(TogglesChain {
            _strings: strings,
            _enabled: enabled_ptrs,
            _disabled: disabled_ptrs,
            desc,
        })))
    }

    /// The chain link to put in a descriptor's `nextInChain` (null for no toggles).
    pub(crate) fn chain_ptr(chain: &mut Option<Box<Self>>) -> *mut sys::WGPUChainedStruct {
        match chain {
            Some(c) => (&mut c.desc.chain) as *mut sys::WGPUChainedStruct,
            None => std::ptr::null_mut(),
        }
    }
}
