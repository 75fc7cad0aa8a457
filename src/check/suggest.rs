//! Check stage: "did you mean" suggestions for unknown names.

/// The candidate closest to `name`, if one is close enough to be a likely typo.
pub fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let length = name.chars().count();
    let limit = (length / 3).max(1);
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(name, c), c))
        .filter(|(d, c)| (*d <= limit && *d < length) || (c.starts_with(name) && length >= 3))
        .min_by_key(|(d, c)| (*d, *c))
        .map(|(_, c)| c)
}

/// A help line: "did you mean `x`?" when a candidate is close, else the list of candidates.
pub fn help_for<'a>(
    name: &str,
    what: &str,
    candidates: impl IntoIterator<Item = &'a str> + Clone,
) -> String {
    if let Some(best) = closest(name, candidates.clone()) {
        return format!("did you mean `{best}`?");
    }
    let all: Vec<String> = candidates.into_iter().map(|c| format!("`{c}`")).collect();
    if all.is_empty() {
        format!("no {what} is declared")
    } else if all.len() <= 12 {
        format!("the {what}s are {}", all.join(", "))
    } else {
        format!("{} {what}s are declared; check the spelling", all.len())
    }
}
