//! Opaque paging tokens (`Marker`, `NextToken`): the position after the last returned item,
//! base64url-encoded so clients treat it as opaque and cannot mistake it for a name.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

pub fn encode_token(position: &str) -> String {
    URL_SAFE_NO_PAD.encode(position.as_bytes())
}

/// `None` when the token was not made by [`encode_token`].
pub fn decode_token(token: &str) -> Option<String> {
    URL_SAFE_NO_PAD.decode(token).ok().and_then(|b| String::from_utf8(b).ok())
}

/// One page of `items` (already in listing order) starting after `after`, where `key` gives an
/// item's position. Returns the page and the next token when more items remain.
pub fn page<T, K: Ord>(items: Vec<T>, after: Option<&K>, size: usize, key: impl Fn(&T) -> K) -> (Vec<T>, bool) {
    let start = match after {
        Some(pos) => items.partition_point(|item| key(item) <= *pos),
        None => 0,
    };
    let total = items.len();
    let page: Vec<T> = items.into_iter().skip(start).take(size).collect();
    let more = start + page.len() < total;
    (page, more)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        let t = encode_token("1700000000000/123");
        assert_eq!(decode_token(&t).as_deref(), Some("1700000000000/123"));
        assert_eq!(decode_token("!!"), None);
    }

    #[test]
    fn pages_resume_after_the_position() {
        let items: Vec<u32> = (1..=5).collect();
        let (p, more) = page(items.clone(), None, 2, |x| *x);
        assert_eq!((p, more), (vec![1, 2], true));
        let (p, more) = page(items.clone(), Some(&2), 2, |x| *x);
        assert_eq!((p, more), (vec![3, 4], true));
        let (p, more) = page(items.clone(), Some(&4), 2, |x| *x);
        assert_eq!((p, more), (vec![5], false));
        // The item at the position was deleted meanwhile: resume at the next one.
        let (p, _) = page(vec![1, 3, 5], Some(&2), 2, |x| *x);
        assert_eq!(p, vec![3, 5]);
    }
}
