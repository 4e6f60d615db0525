/* The only input of bindgen: the webgpu.h of the Dawn that build.rs found (DAWN_DIR or the pinned kit).
 * build.rs defines DAWN_SYS_WEBGPU_H as that header's quoted path. */
#include DAWN_SYS_WEBGPU_H
