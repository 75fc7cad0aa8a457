//! Language server: formatting a buffer with the code of `seg fmt`, as one edit replacing
//! the whole text (none when it is already formatted).

use lsp_types::TextEdit;

use super::position::LineIndex;
use crate::fmt::{FmtError, format_source};

/// The edits that turn `text` into what `seg fmt` writes for it.
pub fn format(text: &str) -> Result<Vec<TextEdit>, FmtError> {
    let formatted = format_source(text)?;
    if formatted == text {
        return Ok(Vec::new());
    }
    let whole = LineIndex::new(text).whole(text);
    Ok(vec![TextEdit::new(whole, formatted)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_formatted_text_needs_no_edit() {
        let text = "param days: int = 30\n";
        assert_eq!(format(text).ok(), Some(Vec::new()));
    }

    #[test]
    fn the_edit_replaces_everything_with_fmt_output() {
        let text = "param   days : int=30\n\n\n// 客户\nlet x = days\n";
        let Ok(edits) = format(text) else {
            panic!("the text formats");
        };
        assert_eq!(edits.len(), 1);
        assert_eq!(edits[0].range, LineIndex::new(text).whole(text));
        assert_eq!(Some(edits[0].new_text.clone()), format_source(text).ok());
    }
}
