//! The first line of the table: the figures are ratios, but how far they carry depends on the
//! machine (cores shared by client and server on loopback) and on the build profile.

/// One line: cores, CPU model, build profile.
pub fn describe() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let profile = if cfg!(debug_assertions) { "debug" } else { "release" };
    format!(
        "machine: {cores} cores, {cpu}; build profile: {profile}; loopback (client and server share the cores)"
    )
}
