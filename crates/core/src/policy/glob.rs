//! Wildcard matching for Action, Resource and `StringLike` (policy.md 3.1): `*` matches any run
//! (including empty, `:` and `/`), `?` exactly one character, everything else is literal.
//! Iterative with one backtrack point, so no pattern can make matching exponential.

/// Whether `pattern` matches the whole of `text`.
pub fn matches(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let eq = |a: char, b: char| if ignore_case { a.to_lowercase().eq(b.to_lowercase()) } else { a == b };
    let (mut pi, mut ti) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || (p[pi] != '*' && eq(p[pi], t[ti]))) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == '*')
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
