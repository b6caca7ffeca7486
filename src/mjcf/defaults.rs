//! `<default>` classes: nested, inheriting from their parent, applied through `class` and
//! `childclass`.

use super::compiler::{Compiler, Node};
use crate::Error;
use std::collections::{BTreeMap, HashMap};

/// Attributes set by one default class, per element tag, with where each was set.
#[derive(Debug, Clone, Default)]
pub(super) struct DefaultClass {
    pub(super) elems: HashMap<String, BTreeMap<String, (String, String)>>,
}

impl<'a, 'input> Compiler<'a, 'input> {
    /// A `<default>` class (its parent's attributes overridden by its own), then its nested classes.
    pub(super) fn default_class(
        &mut self,
        n: Node<'a, 'input>,
        parent: &str,
        top: bool,
    ) -> Result<(), Error> {
        let class = match n.attribute("class") {
            Some(c) => c.to_string(),
            None if top => "main".to_string(),
            None => {
                return Err(self.err(n, "default.class", "a nested <default> needs a class name"))
            }
        };
        if !top && self.defaults.contains_key(&class) {
            return Err(self.err(
                n,
                "default.class",
                format!("class {class:?} is defined twice"),
            ));
        }
        let mut dc = self.defaults.get(parent).cloned().unwrap_or_default();
        let mut nested = Vec::new();
        for child in self.children(n) {
            let tag = child.tag_name().name().to_string();
            if tag == "default" {
                nested.push(child);
                continue;
            }
            let here = self.here(child);
            let entry = dc.elems.entry(tag).or_default();
            for a in child.attributes() {
                entry.insert(a.name().to_string(), (a.value().to_string(), here.clone()));
            }
        }
        self.defaults.insert(class.clone(), dc);
        for child in nested {
            self.default_class(child, &class, false)?;
        }
        Ok(())
    }
}
