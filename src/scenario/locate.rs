//! Where a step is in its scenario file: its node in the positioned YAML tree ([`crate::yaml`]), so a
//! load error can name file:line:column of the step or of a key inside it.

use crate::yaml::{Node, Pos};

/// One item of the top-level `steps:` list, with its position.
#[derive(Debug, Clone, PartialEq)]
pub struct StepSlice {
    /// 1-based line where the step starts.
    pub line: usize,
    pub node: Node,
}

impl StepSlice {
    pub fn new(node: &Node) -> StepSlice {
        StepSlice { line: node.pos.line, node: node.clone() }
    }

    /// Where the step starts (its first key).
    pub fn pos(&self) -> Pos {
        self.node.pos
    }
}

/// The position of the first `key:` inside a step (nested keys too, in text order), or the step's own.
pub fn key_pos(slice: &StepSlice, key: &str) -> Pos {
    slice.node.find_key(key).unwrap_or(slice.node.pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "name: x\nsteps:\n  - name: one\n    apply:\n      file: a.yaml\n\n  # comment\n  - kubectl:\n      command: kubectl get sa\ncleanup: []\n";

    #[test]
    fn each_step_and_key_has_its_line_and_column() {
        let root = crate::yaml::parse_one(SRC).unwrap();
        let steps: Vec<StepSlice> = root.get("steps").unwrap().items().iter().map(StepSlice::new).collect();
        assert_eq!(steps.iter().map(|s| s.pos().to_string()).collect::<Vec<_>>(), ["3:5", "8:5"]);
        assert_eq!(key_pos(&steps[0], "file").to_string(), "5:7");
        assert_eq!(key_pos(&steps[1], "missing"), steps[1].pos());
    }

    #[test]
    fn flow_style_steps_have_positions_too() {
        let root = crate::yaml::parse_one("steps: [ {apply: {file: a}}, {wait: {}} ]\n").unwrap();
        let steps: Vec<StepSlice> = root.get("steps").unwrap().items().iter().map(StepSlice::new).collect();
        assert_eq!(steps.iter().map(|s| s.pos().to_string()).collect::<Vec<_>>(), ["1:10", "1:30"]);
    }
}
