//! A stream of several zstd frames, decompressed on several cores.
//!
//! The writer puts the database in frames of [`FRAME_BYTES`](super::FRAME_BYTES), each saying
//! how many bytes it decompresses to; any zstd reader, baton's included, reads them one after
//! another as one stream. Here the frames are found first (each frame's header, then its
//! blocks' headers, a few bytes each), so that each lands at its place in the copy and a thread
//! can decompress its share while another does the rest. A stream this cannot index (a frame
//! without its size, a skippable frame, anything unexpected) is left to the sequential decoder,
//! which says what is wrong with it.

use std::fs::File;
use std::io::{self, BufReader, Read, Write};
use std::os::unix::fs::FileExt;
use std::path::Path;

use super::{CopyError, WINDOW_LOG_MAX, copy_limited};
use crate::error::{Error, Result};

/// A zstd frame's magic number.
const FRAME_MAGIC: u32 = 0xFD2F_B528;
/// More frames than this are not indexed (a hostile file could hold millions of tiny ones).
const MAX_FRAMES: usize = 1 << 16;
/// At most this many threads decompress one file.
const MAX_THREADS: usize = 4;

/// One frame: where its compressed bytes are in the file, and where its content goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Frame {
    start: u64,
    end: u64,
    at: u64,
    size: u64,
}

/// The frames of the stream in `file` from `offset` to its end, or `None` when the stream is
/// not only frames that say their size.
pub(super) fn index(file: &File, offset: u64) -> Option<Vec<Frame>> {
    let end = file.metadata().ok()?.len();
    let mut frames = Vec::new();
    let (mut pos, mut at) = (offset, 0u64);
    while pos < end {
        if frames.len() == MAX_FRAMES {
            return None;
        }
        let mut header = [0u8; 18];
        let n = (end - pos).min(header.len() as u64) as usize;
        file.read_exact_at(&mut header[..n], pos).ok()?;
        let header = &header[..n];
        if u32::from_le_bytes(header.get(..4)?.try_into().ok()?) != FRAME_MAGIC {
            return None;
        }
        let size = zstd::zstd_safe::get_frame_content_size(header).ok()??;
        let descriptor = *header.get(4)?;
        let mut blocks = pos + header_len(descriptor);
        loop {
            let mut block = [0u8; 3];
            file.read_exact_at(&mut block, blocks).ok()?;
            let bits = u32::from(block[0]) | u32::from(block[1]) << 8 | u32::from(block[2]) << 16;
            let compressed = match (bits >> 1) & 3 {
                0 | 2 => u64::from(bits >> 3),
                1 => 1,
                _ => return None,
            };
            blocks = blocks.checked_add(3 + compressed)?;
            if bits & 1 == 1 {
                break;
            }
        }
        // The content checksum, when the frame has one.
        if descriptor & 0b100 != 0 {
            blocks += 4;
        }
        if blocks > end {
            return None;
        }
        frames.push(Frame {
            start: pos,
            end: blocks,
            at,
            size,
        });
        at = at.checked_add(size)?;
        pos = blocks;
    }
    Some(frames)
}

/// The length of a frame's header (magic included) from its descriptor byte (RFC 8878, 3.1.1.1).
fn header_len(descriptor: u8) -> u64 {
    let single_segment = descriptor & 0b10_0000 != 0;
    let window = if single_segment { 0 } else { 1 };
    let dictionary = [0, 1, 2, 4][usize::from(descriptor & 0b11)];
    let content_size = match descriptor >> 6 {
        0 if single_segment => 1,
        0 => 0,
        1 => 2,
        2 => 4,
        _ => 8,
    };
    4 + 1 + window + dictionary + content_size
}

/// Decompresses `frames` of the stream in `file` (the `.c1z` at `path`) into `out`, each at its
/// place, on up to [`MAX_THREADS`] threads; more than `limit` bytes in all are refused before
/// any is written.
pub(super) fn decompress(
    path: &Path,
    file: &File,
    frames: &[Frame],
    out: &File,
    limit: u64,
) -> Result<u64> {
    let total = frames.last().map_or(0, |f| f.at + f.size);
    if total > limit {
        return Err(Error::TooLarge {
            path: path.to_owned(),
            limit,
        });
    }
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, MAX_THREADS)
        .min(frames.len().max(1));
    // Contiguous shares of about the same decompressed size.
    let mut shares: Vec<&[Frame]> = Vec::with_capacity(threads);
    let mut rest = frames;
    for t in 1..threads {
        let goal = total / threads as u64 * t as u64;
        let split = rest
            .iter()
            .position(|f| f.at + f.size > goal)
            .unwrap_or(rest.len());
        let (share, after) = rest.split_at(split.max(1).min(rest.len()));
        shares.push(share);
        rest = after;
    }
    shares.push(rest);
    std::thread::scope(|scope| {
        let workers: Vec<_> = shares
            .into_iter()
            .map(|share| scope.spawn(move || decompress_share(path, file, share, out)))
            .collect();
        workers.into_iter().try_for_each(|w| {
            w.join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
    })?;
    Ok(total)
}

/// Decompresses each frame of `share` to its place in `out`: exactly the size it says.
fn decompress_share(path: &Path, file: &File, share: &[Frame], out: &File) -> Result<()> {
    let corrupt = |source: io::Error| Error::Decompress {
        path: path.to_owned(),
        source,
    };
    for frame in share {
        let compressed = BufReader::with_capacity(
            1 << 17,
            ReadAt {
                file,
                pos: frame.start,
                end: frame.end,
            },
        );
        let mut decoder = zstd::stream::read::Decoder::with_buffer(compressed)
            .map_err(corrupt)?
            .single_frame();
        decoder.window_log_max(WINDOW_LOG_MAX).map_err(corrupt)?;
        let mut to = WriteAt {
            file: out,
            pos: frame.at,
        };
        let wrong_size = || {
            corrupt(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the frame at byte {} does not hold the {} bytes it says",
                    frame.start, frame.size
                ),
            ))
        };
        match copy_limited(&mut decoder, &mut to, frame.size) {
            Ok(n) if n == frame.size => {}
            Ok(_) | Err(CopyError::TooLarge) => return Err(wrong_size()),
            Err(CopyError::Read(e)) => return Err(corrupt(e)),
            Err(CopyError::Write(e)) => {
                return Err(Error::io(path, "write the decompressed database of", e));
            }
        }
    }
    Ok(())
}

/// Reads `file` from `pos` to `end` with positioned reads, so threads share one handle.
struct ReadAt<'f> {
    file: &'f File,
    pos: u64,
    end: u64,
}

impl Read for ReadAt<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = self.end.saturating_sub(self.pos);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }
}

/// Writes `file` from `pos` on with positioned writes, so threads share one handle.
struct WriteAt<'f> {
    file: &'f File,
    pos: u64,
}

impl Write for WriteAt<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write_at(buf, self.pos)?;
        self.pos += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{MAGIC_V1, compress_in_frames, decompress};
    use super::*;

    /// A database-like file of `len` bytes that compresses but not to nothing.
    fn data(len: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[i % 3] % 7)
            .collect()
    }

    /// `bytes` compressed into a `.c1z` of frames of `frame` bytes, in `dir`.
    fn c1z(dir: &Path, bytes: &[u8], frame: u64) -> std::path::PathBuf {
        let db = dir.join("db");
        std::fs::write(&db, bytes).unwrap();
        let path = dir.join("file.c1z");
        compress_in_frames(&db, File::create(&path).unwrap(), &path, frame).unwrap();
        path
    }

    fn read_back(path: &Path, limit: u64) -> Result<Vec<u8>> {
        let mut out = tempfile::tempfile().unwrap();
        decompress(path, &mut out, limit)?;
        let mut bytes = Vec::new();
        std::io::Seek::rewind(&mut out).unwrap();
        out.read_to_end(&mut bytes).unwrap();
        Ok(bytes)
    }

    fn frames_of(path: &Path) -> Option<Vec<Frame>> {
        index(&File::open(path).unwrap(), MAGIC_V1.len() as u64)
    }

    #[test]
    fn frames_are_found_and_each_lands_at_its_place() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = data(300_000);
        let path = c1z(dir.path(), &bytes, 64 * 1024);
        let frames = frames_of(&path).unwrap();
        assert_eq!(frames.len(), 5);
        assert_eq!(frames[1].at, 64 * 1024);
        assert_eq!(frames[4].size, 300_000 - 4 * 64 * 1024);
        assert_eq!(frames[4].end, std::fs::metadata(&path).unwrap().len());
        assert_eq!(read_back(&path, u64::MAX).unwrap(), bytes);
        // Any zstd reader reads the frames one after another as one stream, as baton's does.
        let compressed = std::fs::read(&path).unwrap();
        let whole = zstd::stream::decode_all(&compressed[MAGIC_V1.len()..]).unwrap();
        assert_eq!(whole, bytes);
        // One frame, as baton writes: read in one go, to the same bytes.
        let one = c1z(dir.path(), &bytes, u64::MAX);
        assert_eq!(frames_of(&one).unwrap().len(), 1);
        assert_eq!(read_back(&one, u64::MAX).unwrap(), bytes);
    }

    #[test]
    fn too_much_is_refused_before_a_byte_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let path = c1z(dir.path(), &data(100_000), 16 * 1024);
        let mut out = tempfile::tempfile().unwrap();
        let e = decompress(&path, &mut out, 99_999).unwrap_err();
        assert!(matches!(e, Error::TooLarge { limit: 99_999, .. }), "{e}");
        assert_eq!(out.metadata().unwrap().len(), 0);
    }

    #[test]
    fn a_frame_that_lies_about_its_size_is_corrupt() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = data(100_000);
        let path = c1z(dir.path(), &bytes, 40_000);
        let frames = frames_of(&path).unwrap();
        let mut file = std::fs::read(&path).unwrap();
        // The first frame's size field (2 bytes, the size less 256, after the magic, the
        // descriptor and the window byte if any) says one byte less than it holds.
        let start = frames[0].start as usize;
        let descriptor = file[start + 4];
        assert_eq!(descriptor >> 6, 1);
        let single_segment = descriptor & 0b10_0000 != 0;
        let field = start + 5 + usize::from(!single_segment);
        let said = u16::from_le_bytes([file[field], file[field + 1]]) - 1;
        file[field..field + 2].copy_from_slice(&said.to_le_bytes());
        std::fs::write(&path, &file).unwrap();
        let e = read_back(&path, u64::MAX).unwrap_err();
        assert!(matches!(e, Error::Decompress { .. }), "{e}");
    }

    #[test]
    fn a_stream_that_is_not_only_sized_frames_is_read_in_one_go() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = data(100_000);
        let path = c1z(dir.path(), &bytes, 30_000);
        let full = std::fs::read(&path).unwrap();
        // Cut inside the last frame: not indexed, and the one-go reader says it is truncated.
        std::fs::write(&path, &full[..full.len() - 10]).unwrap();
        assert!(frames_of(&path).is_none());
        let e = read_back(&path, u64::MAX).unwrap_err();
        assert!(matches!(e, Error::Decompress { .. }), "{e}");
        // A skippable frame after the data: not indexed, read in one go all the same.
        let mut skippable = full.clone();
        skippable.extend_from_slice(&0x184D_2A50u32.to_le_bytes());
        skippable.extend_from_slice(&3u32.to_le_bytes());
        skippable.extend_from_slice(b"abc");
        std::fs::write(&path, &skippable).unwrap();
        assert!(frames_of(&path).is_none());
        assert_eq!(read_back(&path, u64::MAX).unwrap(), bytes);
    }
}
