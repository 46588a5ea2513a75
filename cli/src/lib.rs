//! The parts of the `partner-center` binary that read untrusted text, as a library so that the
//! fuzz targets in `fuzz/` can reach them. The package is not published; this is not an API.

pub mod ids;
