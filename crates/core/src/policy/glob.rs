//! Wildcard matching for Action, Resource and `StringLike` (policy.md 3.1): `*` matches any run
//! (including empty, `:` and `/`), `?` exactly one character, everything else is literal.
//! Iterative with one backtrack point, so no pattern can make matching exponential.

/// Whether `pattern` matches the whole of `text`.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    // Policies and ARNs are ASCII in practice: match bytes without allocating (this runs for
    // every statement of every applicable policy on every request).
    if pattern.is_ascii() && text.is_ascii() {
        let eq = |a: u8, b: u8| if ignore_case { a.eq_ignore_ascii_case(&b) } else { a == b };
        return match_slices(pattern.as_bytes(), text.as_bytes(), b'*', b'?', eq);
    }
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| if ignore_case { a.to_lowercase().eq(b.to_lowercase()) } else { a == b };
    match_slices(&p, &t, '*', '?', eq)
}

fn match_slices<T: Copy + PartialEq>(p: &[T], t: &[T], star_sym: T, any: T, eq: impl Fn(T, T) -> bool) -> bool {
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while let Some(&tc) = t.get(ti) {
        match p.get(pi) {
            Some(&pc) if pc == any || (pc != star_sym && eq(pc, tc)) => {
                pi += 1;
                ti += 1;
            }
            Some(&pc) if pc == star_sym => {
                star = Some((pi, ti));
                pi += 1;
            }
            _ => match star {
                Some((sp, st)) => {
                    pi = sp + 1;
                    ti = st + 1;
                    star = Some((sp, st + 1));
                }
                None => return false,
            },
        }
    }
    p.get(pi..).unwrap_or_default().iter().all(|&c| c == star_sym)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn wildcards() {
        assert!(matches("*", "", false));
        assert!(matches("*", "acs:ram::1:user/a", false));
        assert!(matches("ecs:Describe*", "ecs:DescribeInstances", false));
        assert!(!matches("ecs:Describe*", "ecs:StartInstance", false));
        assert!(matches("acs:ram:*:123:user/*", "acs:ram::123:user/alice", false));
        assert!(matches("user/dev-?", "user/dev-a", false));
        assert!(!matches("user/dev-?", "user/dev-ab", false));
        assert!(matches("a*b*c", "aXbYbZc", false));
        assert!(!matches("a*b*c", "aXbYbZ", false));
        assert!(matches("RAM:getuser", "ram:GetUser", true));
        assert!(matches("user/é*", "user/éclair", false));
        assert!(matches("user/?clair", "user/éclair", false), "? is one character, not one byte");
        assert!(matches("ÉCLAIR", "éclair", true));
        assert!(!matches("RAM:getuser", "ram:GetUser", false));
    }

    #[test]
    fn pathological_patterns_stay_fast() {
        let pattern = "*a".repeat(50) + "b";
        let text = "a".repeat(5000);
        assert!(!matches(&pattern, &text, false));
    }

    proptest! {
        /// A text always matches itself with every `?`-free, `*`-free literal, and `*` + text.
        #[test]
        fn literal_and_star(text in "[a-z:/]{0,20}") {
            prop_assert!(matches(&text, &text, false));
            let starred = format!("*{text}");
            let longer = format!("xyz{text}");
            prop_assert!(matches(&starred, &longer, false));
        }
    }
}
