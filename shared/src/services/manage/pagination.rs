//! Cursor pagination over a listing already in its order: the cursor is the sort key of
//! the last item shown, so a page stays correct when items come or go in between.

pub use crate::ports::store::{MAX_PAGE, Page};

pub const DEFAULT_LIMIT: usize = 50;
const MAX_CURSOR: usize = 128;

/// Whether `cursor` could have come from us: short, and only id-like characters.
pub fn valid_cursor(cursor: &str) -> bool {
    !cursor.is_empty()
        && cursor.len() <= MAX_CURSOR
        && cursor.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
}

/// The page after `cursor` of `items`, which are sorted by `key` (descending when
/// `newest_first`).
pub fn paginate<T>(
    items: Vec<T>,
    key: impl Fn(&T) -> String,
    limit: usize,
    cursor: Option<&str>,
    newest_first: bool,
) -> Page<T> {
    let after = |k: &str| match cursor {
        None => true,
        Some(c) if newest_first => k < c,
        Some(c) => k > c,
    };
    let mut rest: Vec<T> = items.into_iter().filter(|i| after(&key(i))).collect();
    let next_cursor = (rest.len() > limit).then(|| key(&rest[limit - 1]));
    rest.truncate(limit);
    Page { items: rest, next: next_cursor }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_follow_the_cursor_both_ways() {
        let items: Vec<String> = ["a", "b", "c", "d", "e"].iter().map(|s| s.to_string()).collect();
        let p = paginate(items.clone(), |s| s.clone(), 2, None, false);
        assert_eq!((p.items.clone(), p.next.clone()), (vec!["a".into(), "b".into()], Some("b".into())));
        let p = paginate(items.clone(), |s| s.clone(), 2, Some("d"), false);
        assert_eq!((p.items, p.next), (vec!["e".to_string()], None));
        let mut rev = items;
        rev.reverse();
        let p = paginate(rev, |s| s.clone(), 3, Some("d"), true);
        assert_eq!(p.items, vec!["c", "b", "a"]);
        assert_eq!(p.next, None, "exactly the rest: no cursor");
        assert!(valid_cursor("mon_0190") && !valid_cursor("a/b") && !valid_cursor(""));
    }
}
