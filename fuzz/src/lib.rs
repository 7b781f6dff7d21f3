//! Helpers shared by the fuzz targets: the seeds are small HTTP-like texts, so that they read
//! like the requests they stand for and a crash input can be replayed by eye.

/// A request as the seeds spell it: `METHOD target`, then `name: value` header lines, then an
/// empty line and the body (bytes, not necessarily UTF-8).
pub struct RawRequest<'a> {
    pub method: &'a str,
    pub target: &'a str,
    pub headers: Vec<(&'a str, &'a str)>,
    pub body: &'a [u8],
}

impl<'a> RawRequest<'a> {
    /// `None` when the head is not UTF-8 (the server would never see such a head as text).
    pub fn parse(data: &'a [u8]) -> Option<Self> {
        let split = data.windows(2).position(|w| w == b"\n\n");
        let (head, body) = match split {
            Some(at) => (data.get(..at)?, data.get(at + 2..)?),
            None => (data, &[][..]),
        };
        let head = std::str::from_utf8(head).ok()?;
        let mut lines = head.split('\n');
        let (method, target) = lines.next()?.split_once(' ').unwrap_or(("GET", "/"));
        let headers = lines.filter_map(|l| l.split_once(':')).map(|(n, v)| (n.trim(), v.trim())).collect();
        Some(Self { method, target, headers, body })
    }
}

/// Splits a text into its lines, at most `max` of them (a bound on the work per input).
pub fn lines(text: &str, max: usize) -> Vec<&str> {
    text.split('\n').take(max).collect()
}

/// The input as text: invalid UTF-8 is replaced, so that every input reaches the parsers.
pub fn text(data: &[u8]) -> std::borrow::Cow<'_, str> {
    String::from_utf8_lossy(data)
}
