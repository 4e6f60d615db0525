//! Hello, triangle: renders a triangle with red, green and blue corners over a (0.0, 0.5, 1.0) clear into
//! a 512x512 rgba8unorm texture, offscreen, and saves it as a PNG.
//!
//! Shows the render path of the safe `dawn` API: a texture and its view as the color attachment, a
//! vertex buffer with two attributes, a render pipeline, a render pass that clears and draws, and
//! `Texture::read_back`, which returns tightly packed rows (the 512 * 4 = 2048-byte rows happen to be a
//! multiple of 256, but read_back does not need them to be). The scene itself is
//! `dawn_suite::scenes::triangle`, which tests/render_scenes.rs checks pixel by pixel.
//!
//! Run: `cargo run --example triangle [-- path.png]` (default `triangle.png`; add `--msaa` for 4x
//! multisampling, `--srgb` for an rgba8unorm-srgb target).

#[path = "shared/png_file.rs"]
mod png_file;

use anyhow::Context;
use dawn::*;
use dawn_suite::scenes::{self, TRIANGLE_SIZE};

fn main() -> anyhow::Result<()> {
    let mut path = String::from("triangle.png");
    let (mut samples, mut format) = (1, TextureFormat::RGBA8Unorm);
    for arg in std::env::args().skip(1) {
        match arg.as_str() {
            "--msaa" => samples = 4,
            "--srgb" => format = TextureFormat::RGBA8UnormSrgb,
            _ => path = arg,
        }
    }
    let instance = Instance::new()?;
    let adapter = instance
        .request_adapter(&RequestAdapterOptions::default())
        .wait()
        .context("no WebGPU adapter (./dev.sh setup installs lavapipe)")?;
    let device = adapter
        .request_device(&DeviceDescriptor {
            label: "triangle",
            ..Default::default()
        })
        .wait()?;
    let pixels = scenes::triangle(&device, format, samples)?;
    png_file::write_rgba8(path.as_ref(), TRIANGLE_SIZE, TRIANGLE_SIZE, &pixels)?;
    let at = |x: u32, y: u32| &pixels[((y * TRIANGLE_SIZE + x) * 4) as usize..][..4];
    println!(
        "wrote {path} ({TRIANGLE_SIZE}x{TRIANGLE_SIZE} {format:?}, {samples} sample(s)): corner {:?}, centre {:?}",
        at(0, 0),
        at(TRIANGLE_SIZE / 2, TRIANGLE_SIZE / 2)
    );
    Ok(())
}
