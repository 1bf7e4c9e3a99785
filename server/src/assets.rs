//! Static files. The wasm bundle compresses from ~1.2 MB to ~330 KB at brotli's best quality,
//! which is too slow to do per request; so at start-up a background thread writes `.br` and
//! `.gz` siblings (atomically, and again whenever the source is newer), and `ServeDir` sends them
//! to browsers that accept them. Until they exist, the compression layer compresses on the fly.
use std::io::Write;
use std::path::{Path, PathBuf};
use tower_http::services::ServeDir;

const COMPRESSIBLE: [&str; 4] = ["wasm", "js", "css", "svg"];

pub fn serve_dir(dir: impl AsRef<Path>) -> ServeDir {
    ServeDir::new(dir.as_ref())
        .precompressed_br()
        .precompressed_gzip()
}

pub fn precompress_in_background(dir: PathBuf) {
    std::thread::spawn(move || {
        if let Err(error) = precompress_dir(&dir) {
            tracing::warn!(%error, dir = %dir.display(), "static files not precompressed; compressing per request");
        }
    });
}

fn is_fresh(source: &Path, compressed: &Path) -> bool {
    let modified = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    matches!((modified(source), modified(compressed)), (Some(s), Some(c)) if c >= s)
}

fn write_atomically(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temporary = target.with_extension("tmp-compress");
    std::fs::write(&temporary, bytes)?;
    std::fs::rename(&temporary, target)
}

pub fn precompress_dir(dir: &Path) -> std::io::Result<usize> {
    let mut written = 0;
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            written += precompress_dir(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSIBLE.contains(&e));
        if !compressible {
            continue;
        }
        let mut source: Option<Vec<u8>> = None;
        for (suffix, compress) in [
            ("br", brotli_best as fn(&[u8]) -> std::io::Result<Vec<u8>>),
            ("gz", gzip_best),
        ] {
            let target = PathBuf::from(format!("{}.{suffix}", path.display()));
            if is_fresh(&path, &target) {
                continue;
            }
            if source.is_none() {
                source = Some(std::fs::read(&path)?);
            }
            write_atomically(&target, &compress(source.as_deref().unwrap_or_default())?)?;
            written += 1;
        }
    }
    Ok(written)
}

fn brotli_best(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        writer.write_all(data)?;
    }
    Ok(out)
}

fn gzip_best(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data)?;
    encoder.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compressed_siblings_are_written_once_and_refreshed_when_the_source_changes() {
        let dir = std::env::temp_dir().join(format!("jingxi-assets-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("pkg")).unwrap();
        let wasm = dir.join("pkg/app.wasm");
        std::fs::write(&wasm, "精细".repeat(5000)).unwrap();
        std::fs::write(dir.join("notes.txt"), "not compressed").unwrap();

        assert_eq!(precompress_dir(&dir).unwrap(), 2);
        assert_eq!(precompress_dir(&dir).unwrap(), 0, "fresh siblings are kept");
        let br = std::fs::read(dir.join("pkg/app.wasm.br")).unwrap();
        let mut decoded = Vec::new();
        brotli::BrotliDecompress(&mut br.as_slice(), &mut decoded).unwrap();
        assert_eq!(decoded, std::fs::read(&wasm).unwrap());
        assert!(!dir.join("notes.txt.br").exists());

        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&wasm, "新内容".repeat(100)).unwrap();
        assert_eq!(
            precompress_dir(&dir).unwrap(),
            2,
            "a newer source is compressed again"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
