//! [`ShaderModule`]: compiled WGSL, and its compilation messages.

use crate::future::{self, Pending, Slot, callback_info};
use crate::handle::device_child;
use crate::{CompilationMessageType, Device, Error, ErrorFilter, ErrorKind, Result, string};
use dawn_sys as sys;
use std::ffi::c_void;

device_child! {
    /// A shader module (`WGPUShaderModule`, WebGPU's `GPUShaderModule`).
    pub struct ShaderModule(RawShaderModule: WGPUShaderModuleImpl, wgpuShaderModuleAddRef, wgpuShaderModuleRelease, wgpuShaderModuleSetLabel = "wgpuShaderModuleSetLabel");
}

/// Options of [`Device::create_shader_module`]: WGSL source.
#[derive(Clone, Copy, Debug, Default)]
pub struct ShaderModuleDescriptor<'a> {
    /// A label for Dawn's messages.
    pub label: &'a str,
    /// The WGSL source.
    pub code: &'a str,
}

/// One message of the compiler (`WGPUCompilationMessage`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompilationMessage {
    /// The text.
    pub message: String,
    /// Error, warning or info.
    pub kind: CompilationMessageType,
    /// 1-based line (0 when the message has no position).
    pub line_num: u64,
    /// 1-based column, in UTF-16 code units.
    pub line_pos: u64,
    /// Offset in the source, in UTF-16 code units.
    pub offset: u64,
    /// Length of the span, in UTF-16 code units.
    pub length: u64,
}

/// What compiling a module reported (`WGPUCompilationInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CompilationInfo {
    /// The messages, in order.
    pub messages: Vec<CompilationMessage>,
}

impl CompilationInfo {
    /// Whether any message is an error.
    pub fn has_errors(&self) -> bool {
        self.messages
            .iter()
            .any(|m| m.kind == CompilationMessageType::Error)
    }
}

impl std::fmt::Display for CompilationInfo {
    /// One message a line: `line:column: kind: text`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for m in &self.messages {
            writeln!(
                f,
                "{}:{}: {}: {}",
                m.line_num, m.line_pos, m.kind, m.message
            )?;
        }
        Ok(())
    }
}

impl ShaderModule {
    /// The compiler's messages (errors with their line and column).
    #[doc(alias = "wgpuShaderModuleGetCompilationInfo")]
    pub fn get_compilation_info(&self) -> Pending<CompilationInfo> {
        let slot = Slot::<CompilationInfo>::new();
        let info = callback_info!(
            WGPUCompilationInfoCallbackInfo,
            on_compilation_info,
            slot,
            std::ptr::null_mut()
        );
        // SAFETY: live module; the callback takes its userdata back.
        let future = unsafe { sys::wgpuShaderModuleGetCompilationInfo(self.as_raw(), info) };
        Pending::new(self.device().instance(), future, slot)
    }
}

impl Device {
    /// Creates a shader module from WGSL. Invalid WGSL gives an error module and a validation error (to the
    /// error scopes or the uncaptured-error handler); [`create_shader_module_checked`] returns it instead.
    ///
    /// [`create_shader_module_checked`]: Device::create_shader_module_checked
    #[doc(alias = "wgpuDeviceCreateShaderModule")]
    pub fn create_shader_module(&self, desc: &ShaderModuleDescriptor<'_>) -> ShaderModule {
        let mut wgsl = sys::WGPUShaderSourceWGSL {
            chain: sys::WGPUChainedStruct {
                next: std::ptr::null_mut(),
                sType: sys::WGPUSType_ShaderSourceWGSL,
            },
            code: string::view(desc.code),
        };
        let c_desc = sys::WGPUShaderModuleDescriptor {
            nextInChain: &mut wgsl.chain,
            label: string::label(desc.label),
        };
        // SAFETY: live device; the descriptor chain lives across the call; a new reference.
        unsafe {
            self.create("wgpuDeviceCreateShaderModule", |raw| {
                sys::wgpuDeviceCreateShaderModule(raw, &c_desc)
            })
        }
    }

    /// Creates a shader module and returns [`ErrorKind::Validation`] if the WGSL does not compile, with
    /// every compiler message as `line:column: error: text` in the error's message
    /// ([`ErrorKind::DeviceLost`] once the device is lost).
    pub fn create_shader_module_checked(
        &self,
        desc: &ShaderModuleDescriptor<'_>,
    ) -> Result<ShaderModule> {
        self.lifecycle().check_alive()?;
        let scope = self.push_error_scope(ErrorFilter::Validation);
        let module = self.create_shader_module(desc);
        let Err(error) = scope.pop().wait() else {
            return Ok(module);
        };
        if error.kind() != ErrorKind::Validation {
            return Err(error);
        }
        let details = module
            .get_compilation_info()
            .wait()
            .map(|i| i.to_string())
            .unwrap_or_default();
        Err(Error::new(
            error.kind(),
            format!(
                "shader module {:?} does not compile:\n{details}{}",
                desc.label,
                error.message()
            ),
        ))
    }
}

unsafe extern "C" fn on_compilation_info(
    status: sys::WGPUCompilationInfoRequestStatus,
    info: *const sys::WGPUCompilationInfo,
    userdata1: *mut c_void,
    _userdata2: *mut c_void,
) {
    // SAFETY: userdata1 is the registered slot; `info` lives during the call.
    unsafe {
        future::complete::<CompilationInfo>(userdata1, || {
            if status != sys::WGPUCompilationInfoRequestStatus_Success || info.is_null() {
                return Err(future::cancelled(
                    "the compilation info request was cancelled".into(),
                ));
            }
            let info = &*info;
            let list = if info.messages.is_null() {
                &[][..]
            } else {
                std::slice::from_raw_parts(info.messages, info.messageCount)
            };
            Ok(CompilationInfo {
                messages: list
                    .iter()
                    .map(|m| CompilationMessage {
                        message: string::to_string(m.message),
                        kind: CompilationMessageType(m.type_),
                        line_num: m.lineNum,
                        line_pos: m.linePos,
                        offset: m.offset,
                        length: m.length,
                    })
                    .collect(),
            })
        })
    }
}
