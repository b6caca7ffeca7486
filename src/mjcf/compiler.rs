//! The loader's state while it reads one scene ([`Compiler`]), and its helpers for places,
//! errors and warnings.

use super::defaults::DefaultClass;
use super::sources::{input_error, Source};
use super::LoadOptions;
use crate::sim::inertia::Part;
use crate::sim::model::Model;
use crate::Error;
use glam::{DVec3, Quat};
use std::collections::HashMap;

/// The loader's state while it reads one scene: settings from `<compiler>`, the model
/// built so far, the default classes, warnings, and references resolved at the end.
#[derive(Default)]
pub(super) struct Compiler<'a, 'input> {
    /// Every XML source; `docs[i]` is `sources[i]` parsed.
    pub(super) sources: &'a [Source],
    pub(super) docs: &'a [roxmltree::Document<'input>],
    pub(super) options: LoadOptions,
    /// `<compiler angle="degree">` (MJCF's default) rather than radians.
    pub(super) degrees: bool,
    /// `<compiler eulerseq>`, three of `xyzXYZ` as bytes.
    pub(super) eulerseq: Vec<u8>,
    pub(super) inertiafromgeom: Option<bool>,
    pub(super) settotalmass: Option<f32>,
    pub(super) model: Model,
    pub(super) defaults: HashMap<String, DefaultClass>,
    /// (what, (first place, count)) in first-seen order.
    pub(super) warnings: Vec<(String, (String, usize))>,
    /// Actuator joint names, resolved at the end.
    pub(super) pending_actuators: Vec<(String, String)>,
    pub(super) pending_materials: Vec<(usize, String, String)>,
    pub(super) pending_textures: Vec<(usize, String, String)>,
    /// Parts of each body (for inertia from geoms) and explicit inertials.
    pub(super) parts: Vec<Vec<Part>>,
    pub(super) inertials: Vec<Option<(f64, DVec3, DVec3, Quat)>>,
    pub(super) body_lines: Vec<String>,
    pub(super) keys: Vec<roxmltree::Node<'a, 'input>>,
}

/// An XML element.
pub(super) type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

impl<'a, 'input> Compiler<'a, 'input> {
    /// The label of the source holding `node`, and its line.
    pub(super) fn source_of(&self, node: Node) -> (&str, usize) {
        let i = self
            .docs
            .iter()
            .position(|d| std::ptr::eq(d, node.document()))
            .unwrap_or(0);
        let line = node.document().text_pos_at(node.range().start).row as usize;
        (&self.sources[i].label, line)
    }

    /// Where `node` is, as `file:line`.
    pub(super) fn here(&self, node: Node) -> String {
        let (f, l) = self.source_of(node);
        format!("{f}:{l}")
    }

    /// An input error at `node`.
    pub(super) fn err(
        &self,
        node: Node,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        let (f, l) = self.source_of(node);
        input_error(f, Some(l), field, message)
    }

    /// An error at a place given as `file:line` text (attributes inherited from defaults).
    pub(super) fn err_at(
        &self,
        at: &str,
        field: impl Into<String>,
        message: impl Into<String>,
    ) -> Error {
        match at.rsplit_once(':') {
            Some((f, l)) => input_error(f, l.parse().ok(), field, message),
            None => input_error(at, None, field, message),
        }
    }

    /// Records a warning, or counts a repeat of one already recorded.
    pub(super) fn warn(&mut self, what: String, at: String) {
        match self.warnings.iter_mut().find(|(w, _)| *w == what) {
            Some((_, (_, n))) => *n += 1,
            None => self.warnings.push((what, (at, 1))),
        }
    }

    /// Warns that the element `node` is ignored, and why.
    pub(super) fn warn_element(&mut self, node: Node, why: &str) {
        let at = self.here(node);
        self.warn(format!("element <{}> {why}", node.tag_name().name()), at);
    }

    /// An element that changes the dynamics and is not modelled: an error, or a warning
    /// with `lenient`.
    pub(super) fn unsupported(&mut self, node: Node) -> Result<(), Error> {
        let tag = node.tag_name().name();
        if self.options.lenient {
            self.warn_element(
                node,
                "changes the dynamics and is not supported; ignored (--lenient)",
            );
            Ok(())
        } else {
            Err(self.err(
                node,
                tag,
                format!("<{tag}> changes the dynamics and is not supported yet; pass --lenient to load the scene without it"),
            ))
        }
    }

    /// Element children, with `<include>` replaced by the included file's top-level children.
    pub(super) fn children(&self, node: Node<'a, 'input>) -> Vec<Node<'a, 'input>> {
        let mut out = Vec::new();
        for n in node.children().filter(|n| n.is_element()) {
            if n.has_tag_name("include") {
                let i = self
                    .docs
                    .iter()
                    .position(|d| std::ptr::eq(d, n.document()))
                    .unwrap_or(0);
                let file = self.sources[i].dir.join(n.attribute("file").unwrap_or(""));
                let label = file.display().to_string();
                if let Some(j) = self.sources.iter().position(|s| s.label == label) {
                    out.extend(self.children(self.docs[j].root_element()));
                }
            } else {
                out.push(n);
            }
        }
        out
    }
}
