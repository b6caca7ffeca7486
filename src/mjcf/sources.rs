//! Reading the XML: the main source and every local file it `<include>`s, parsed once
//! each, and the error every malformed input becomes.

use crate::Error;
use std::path::{Path, PathBuf};

/// One XML source: the main file or an included one.
pub(super) struct Source {
    pub(super) label: String,
    pub(super) dir: PathBuf,
    pub(super) text: String,
}

/// An input error at `file:line`, naming the offending `field`.
pub(super) fn input_error(
    file: &str,
    line: Option<usize>,
    field: impl Into<String>,
    message: impl Into<String>,
) -> Error {
    Error::Input {
        file: file.to_string(),
        line,
        field: field.into(),
        message: message.into(),
    }
}

/// Reads the main source and, recursively, every file it includes.
pub(super) fn gather(
    label: &str,
    dir: &Path,
    text: String,
    sources: &mut Vec<Source>,
    stack: &mut Vec<String>,
) -> Result<usize, Error> {
    if let Some(i) = sources.iter().position(|s| s.label == label) {
        return Ok(i);
    }
    let includes: Vec<(String, usize)> = {
        let doc = roxmltree::Document::parse(&text).map_err(|e| {
            let pos = e.pos();
            input_error(
                label,
                Some(pos.row as usize),
                format!("column {}", pos.col),
                e.to_string(),
            )
        })?;
        doc.descendants()
            .filter(|n| n.has_tag_name("include"))
            .map(|n| {
                let line = doc.text_pos_at(n.range().start).row as usize;
                n.attribute("file")
                    .map(|f| (f.to_string(), line))
                    .ok_or_else(|| input_error(label, Some(line), "include.file", "is missing"))
            })
            .collect::<Result<_, _>>()?
    };
    let index = sources.len();
    sources.push(Source {
        label: label.to_string(),
        dir: dir.to_path_buf(),
        text,
    });
    stack.push(label.to_string());
    for (file, line) in includes {
        let path = dir.join(&file);
        let child_label = path.display().to_string();
        if stack.contains(&child_label) {
            return Err(input_error(
                label,
                Some(line),
                "include.file",
                format!("{file:?} includes itself (a cycle)"),
            ));
        }
        let text = std::fs::read_to_string(&path).map_err(|e| {
            input_error(
                label,
                Some(line),
                "include.file",
                format!("{file:?} cannot be read ({e}); includes must be local files"),
            )
        })?;
        let child_dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        gather(&child_label, &child_dir, text, sources, stack)?;
    }
    stack.pop();
    Ok(index)
}
