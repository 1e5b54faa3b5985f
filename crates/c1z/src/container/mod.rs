//! The v1 container: the magic `C1ZF\0`, then one zstd stream of the SQLite database file. We
//! write the stream as frames of [`FRAME_BYTES`], each saying its size, which `frames`
//! decompresses on several cores; any other stream (baton's is one frame) is read in one go.

#[cfg(unix)]
mod frames;

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Write};
use std::path::Path;

use crate::error::{Error, Result};

/// The v1 magic bytes.
pub(crate) const MAGIC_V1: &[u8; 5] = b"C1ZF\0";
/// The v3 (Pebble) magic bytes, recognised only to refuse them clearly.
pub(crate) const MAGIC_V3: &[u8; 5] = b"C1Z3\0";
/// baton's default cap on the decoded database size (`BATON_DECODER_MAX_DECODED_SIZE_MB`).
pub(crate) const DEFAULT_MAX_DECODED: u64 = 10 << 30;
/// baton's decoder window cap, 128 MiB.
const WINDOW_LOG_MAX: u32 = 27;
/// zstd level 1 is the closest to baton's `SpeedFastest`.
const LEVEL: i32 = 1;
/// How much of the database one zstd frame holds: small enough that a large file has frames
/// for every core to decompress, large enough that the frames cost no compression (level 1
/// looks back far less than this).
pub(crate) const FRAME_BYTES: u64 = 32 << 20;

/// Opens `path` and checks its magic bytes; the returned reader is positioned after them.
pub(crate) fn open_checked(path: &Path) -> Result<BufReader<File>> {
    let file = crate::open_regular(path)
        .map_err(|e| Error::io(path, "open", e))?
        .ok_or_else(|| Error::NotAFile {
            path: path.to_owned(),
        })?;
    let mut reader = BufReader::new(file);
    check_magic(path, &mut reader)?;
    Ok(reader)
}

/// Reads and checks the magic bytes of a `.c1z`.
pub(crate) fn check_magic(path: &Path, reader: &mut impl Read) -> Result<()> {
    let mut magic = [0u8; 5];
    let mut filled = 0;
    while filled < magic.len() {
        match reader.read(&mut magic[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(path, "read", e)),
        }
    }
    match (filled, &magic) {
        (0, _) => Err(Error::Empty {
            path: path.to_owned(),
        }),
        (5, m) if m == MAGIC_V1 => Ok(()),
        (5, m) if m == MAGIC_V3 => Err(Error::V3Unsupported {
            path: path.to_owned(),
        }),
        _ => Err(Error::NotC1z {
            path: path.to_owned(),
        }),
    }
}

/// Decompresses the `.c1z` at `path` into `out`, refusing more than `limit` decoded bytes.
pub(crate) fn decompress(path: &Path, out: &mut File, limit: u64) -> Result<()> {
    let reader = open_checked(path)?;
    #[cfg(unix)]
    let copied = match frames::index(reader.get_ref(), MAGIC_V1.len() as u64) {
        Some(index) if index.len() > 1 => {
            frames::decompress(path, reader.get_ref(), &index, out, limit)?
        }
        _ => decompress_stream(path, reader, out, limit)?,
    };
    #[cfg(not(unix))]
    let copied = decompress_stream(path, reader, out, limit)?;
    if copied == 0 {
        let source = io::Error::new(io::ErrorKind::UnexpectedEof, "the database is empty");
        return Err(Error::Decompress {
            path: path.to_owned(),
            source,
        });
    }
    Ok(())
}

/// Decompresses the stream `reader` is at into `out`, in one go: how many bytes.
fn decompress_stream(
    path: &Path,
    reader: BufReader<File>,
    out: &mut File,
    limit: u64,
) -> Result<u64> {
    let mut decoder =
        zstd::stream::read::Decoder::with_buffer(reader).map_err(|e| Error::Decompress {
            path: path.to_owned(),
            source: e,
        })?;
    decoder
        .window_log_max(WINDOW_LOG_MAX)
        .map_err(|e| Error::Decompress {
            path: path.to_owned(),
            source: e,
        })?;
    // Written straight from the chunk just decompressed: the kernel copies it into the page
    // cache while it is still in the CPU's cache (through a larger buffer it came from memory,
    // most of a large file's read time).
    copy_limited(&mut decoder, out, limit).map_err(|e| match e {
        CopyError::Read(e) => Error::Decompress {
            path: path.to_owned(),
            source: e,
        },
        CopyError::Write(e) => Error::io(path, "write the decompressed database of", e),
        CopyError::TooLarge => Error::TooLarge {
            path: path.to_owned(),
            limit,
        },
    })
}

/// Writes `db` as a `.c1z` to `out` and syncs it to disk: frames of [`FRAME_BYTES`] (at least
/// one), each saying its size.
pub(crate) fn compress(db: &Path, out: File, out_path: &Path) -> Result<()> {
    compress_in_frames(db, out, out_path, FRAME_BYTES)
}

/// [`compress`] with frames of `frame_bytes`.
fn compress_in_frames(db: &Path, out: File, out_path: &Path, frame_bytes: u64) -> Result<()> {
    let mut input = BufReader::with_capacity(
        1 << 20,
        File::open(db).map_err(|e| Error::io(db, "open", e))?,
    );
    let size = input
        .get_ref()
        .metadata()
        .map_err(|e| Error::io(db, "read the size of", e))?
        .len();
    let write_err = |e| Error::io(out_path, "write", e);
    let mut writer = BufWriter::with_capacity(1 << 20, out);
    writer.write_all(MAGIC_V1).map_err(write_err)?;
    // Compression is most of the time a sync spends after its last request: use every core.
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8) as u32);
    let mut left = size;
    loop {
        let frame = left.min(frame_bytes.max(1));
        let mut encoder =
            zstd::stream::write::Encoder::new(&mut writer, LEVEL).map_err(write_err)?;
        encoder.include_contentsize(true).map_err(write_err)?;
        if workers > 1 {
            encoder.multithread(workers).map_err(write_err)?;
        }
        encoder
            .set_pledged_src_size(Some(frame))
            .map_err(write_err)?;
        let copied = io::copy(&mut (&mut input).take(frame), &mut encoder).map_err(write_err)?;
        if copied != frame {
            // The database changed size while it was read: never a file that lies.
            let e = io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the database shrank while compressed",
            );
            return Err(Error::io(db, "read", e));
        }
        encoder.finish().map_err(write_err)?;
        left -= frame;
        if left == 0 {
            break;
        }
    }
    let file = writer.into_inner().map_err(|e| write_err(e.into_error()))?;
    file.sync_all().map_err(|e| Error::io(out_path, "sync", e))
}

/// The decompressed bytes written at a time: well within a CPU's cache.
const COPY_CHUNK: usize = 128 * 1024;

enum CopyError {
    Read(io::Error),
    Write(io::Error),
    TooLarge,
}

fn copy_limited(from: &mut impl Read, to: &mut impl Write, limit: u64) -> Result<u64, CopyError> {
    let mut buf = vec![0u8; COPY_CHUNK];
    let mut total = 0u64;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(CopyError::Read(e)),
        };
        total += n as u64;
        if total > limit {
            return Err(CopyError::TooLarge);
        }
        to.write_all(&buf[..n]).map_err(CopyError::Write)?;
    }
}
