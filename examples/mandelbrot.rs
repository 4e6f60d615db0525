//! The Mandelbrot set, computed by a compute shader that writes an rgba8unorm storage texture, read back
//! and saved as a PNG.
//!
//! Shows storage textures in compute shaders: an explicit bind group layout with a write-only storage
//! texture and a uniform buffer, the texture's view in a bind group, one dispatch over 8x8 tiles, and
//! `Texture::read_back` of a width (700 * 4 bytes) whose rows are not a multiple of 256 bytes. The scene
//! is `dawn_suite::scenes::mandelbrot`, which tests/render_scenes.rs checks against the CPU.
//!
//! Run: `cargo run --release --example mandelbrot [-- path.png]` (default `mandelbrot.png`).

#[path = "shared/png_file.rs"]
mod png_file;

use anyhow::Context;
use dawn::*;
use dawn_suite::scenes;

const WIDTH: u32 = 700;
const HEIGHT: u32 = 400;

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "mandelbrot.png".into());
    let instance = Instance::new()?;
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()
        .context("no WebGPU adapter (./dev.sh setup installs lavapipe)")?;
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "mandelbrot",
            ..Default::default()
        })
        .wait()?;
    let pixels = scenes::mandelbrot(&device, WIDTH, HEIGHT)?;
    png_file::write_rgba8(path.as_ref(), WIDTH, HEIGHT, &pixels)?;
    let inside = pixels.chunks(4).filter(|p| p[..3] == [0, 0, 0]).count();
    println!(
        "wrote {path} ({WIDTH}x{HEIGHT}): {inside} of {} pixels inside the set after {} iterations",
        WIDTH * HEIGHT,
        scenes::MANDELBROT_MAX_ITERATIONS
    );
    Ok(())
}
