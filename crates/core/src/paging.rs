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

/// Index entries one scan of [`walk`] reads at most.
pub const WALK_BATCH: usize = 1000;
/// Index entries a filtered [`walk`] reads at least per scan: matches may be sparse.
const FILTERED_BATCH: usize = 32;

/// One page of an ordered index, read a batch at a time, so that a page costs its own items and
/// not the size of the index (issue 10). The entries come from `scan(source, after, limit)`, which
/// returns up to `limit` (key, value) entries of the index whose keys come after `after`, in key
/// order; the walk starts after the index key `after`. `take` turns an entry into an item, or
/// into `None` when the item is filtered out (or its record is gone). Returns up to `limit` items
/// and whether another follows. With `exact` every entry is an item (no filter), so the entry
/// after the page is only seen, never taken: a page reads its own items and one index entry.
pub fn walk<S: ?Sized, T, E>(
    source: &mut S,
    mut scan: impl FnMut(&mut S, Option<&str>, usize) -> Result<Vec<(String, Vec<u8>)>, E>,
    after: Option<String>,
    limit: usize,
    exact: bool,
    mut take: impl FnMut(&mut S, &str, &[u8]) -> Result<Option<T>, E>,
) -> Result<(Vec<T>, bool), E> {
    let mut cursor = after;
    let mut out = Vec::with_capacity(limit.min(WALK_BATCH));
    let least = if exact { 1 } else { FILTERED_BATCH };
    loop {
        let want = limit.saturating_add(1).saturating_sub(out.len()).clamp(least, WALK_BATCH);
        let rows = scan(source, cursor.as_deref(), want)?;
        let exhausted = rows.len() < want;
        for (key, value) in rows {
            if exact && out.len() == limit {
                return Ok((out, true));
            }
            if let Some(item) = take(source, &key, &value)? {
                if out.len() == limit {
                    return Ok((out, true));
                }
                out.push(item);
            }
            cursor = Some(key);
        }
        if exhausted {
            return Ok((out, false));
        }
    }
}

/// The resource and the tag key of a ListTagResources row position `{resource}\n{tag key}`.
/// Rows compare as these strings: a position that is not a row's (no `\n`, or a control
/// character before it, which no name holds) comes before every row of the resource named by
/// its part before that character, and after those of every smaller resource.
pub fn split_row_position(position: &str) -> (&str, Option<&str>) {
    let Some((head, tail)) = position.find(|c: char| c <= '\n').and_then(|i| position.split_at_checked(i)) else {
        return (position, None);
    };
    (head, tail.strip_prefix('\n'))
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

    type Rows = Vec<(String, Vec<u8>)>;

    /// An index as a sorted vector, scanned like the store does (strictly after `after`).
    fn scan_of(index: &[(String, Vec<u8>)]) -> impl FnMut(&mut usize, Option<&str>, usize) -> Result<Rows, ()> + '_ {
        move |scans, after, limit| {
            *scans += 1;
            Ok(index.iter().filter(|(k, _)| after.is_none_or(|a| k.as_str() > a)).take(limit).cloned().collect())
        }
    }

    #[test]
    fn walks_take_only_the_page_and_see_one_more_entry() {
        let index: Rows = (0..500).map(|i| (format!("{i:04}"), vec![])).collect();
        let mut taken = 0;
        let mut scans = 0;
        let (page, more) = walk(&mut scans, scan_of(&index), Some("0099".into()), 2, true, |_, k, _| {
            taken += 1;
            Ok::<_, ()>(Some(k.to_string()))
        })
        .unwrap();
        assert_eq!((page, more, taken, scans), (vec!["0100".to_string(), "0101".to_string()], true, 2, 1));
        let (page, more) =
            walk(&mut scans, scan_of(&index), Some("0497".into()), 5, true, |_, k, _| Ok::<_, ()>(Some(k.to_string()))).unwrap();
        assert_eq!((page.len(), more), (2, false));
        // Nothing left for the page: only whether something follows.
        let (page, more) = walk(&mut scans, scan_of(&index), None, 0, true, |_, _, _| Ok::<_, ()>(Some(()))).unwrap();
        assert_eq!((page.len(), more), (0, true));
    }

    #[test]
    fn filtered_walks_stop_at_the_first_match_after_the_page() {
        let index: Rows = (0..3000).map(|i| (format!("{i:04}"), vec![])).collect();
        let mut taken = 0;
        let mut scans = 0;
        let (page, more) = walk(&mut scans, scan_of(&index), None, 3, false, |_, k, _| {
            taken += 1;
            Ok::<_, ()>(k.ends_with('7').then(|| k.to_string()))
        })
        .unwrap();
        assert_eq!(page, vec!["0007", "0017", "0027"]);
        assert!(more);
        assert_eq!(taken, 38, "stops at 0037, the first match after the page");
        // A sparse filter reads the index to its end, in bounded batches.
        scans = 0;
        let (page, more) = walk(&mut scans, scan_of(&index), None, 10, false, |_, k, _| Ok::<_, ()>((k == "2999").then_some(()))).unwrap();
        assert_eq!((page.len(), more), (1, false));
        assert!(scans >= 3, "{scans}");
    }

    #[test]
    fn row_positions_split_at_the_first_newline() {
        assert_eq!(split_row_position("role\nenv"), ("role", Some("env")));
        assert_eq!(split_row_position("p#s\nk\nx"), ("p#s", Some("k\nx")));
        assert_eq!(split_row_position("role"), ("role", None));
        assert_eq!(split_row_position("role\u{1}x\nk"), ("role", None));
    }
}
