//! Writing RGBA8 pixels as a PNG file, for the render examples (through the `png` crate, a
//! dev-dependency of the root package only).

use anyhow::Context;
use std::path::Path;

/// Writes `width x height` RGBA8 pixels (rows top down, 4 bytes each) to `path` as an 8-bit RGBA PNG.
pub fn write_rgba8(path: &Path, width: u32, height: u32, pixels: &[u8]) -> anyhow::Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), width, height);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header()?;
    writer.write_image_data(pixels)?;
    writer.finish()?;
    Ok(())
}
