//! The entitlement graph of grant expansion, built as baton builds it (`pkg/sync/expand`): an
//! edge S → D for each source S of an expandable grant of D, parallel edges merged; every cycle
//! collapsed into one node; then the steps that expand it, level by level.
//!
//! baton expands source by source; these steps go destination by destination within a level
//! (the result is the same: merging sources into a grant does not depend on their order). The
//! grants of one destination are then written one after the other, into one part of each index,
//! instead of scattered over all of them: a transaction copies far fewer pages to its journal.

use std::collections::{BTreeMap, BTreeSet, HashMap};

/// What passes along an edge. Merging two edges keeps what either admits (baton's
/// "deep wins, unfiltered wins"): a deep edge admits more than a shallow one, and an edge
/// without a principal type filter more than one with.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Spec {
    shallow: bool,
    /// `None`: grants of every principal type pass.
    principal_types: Option<BTreeSet<String>>,
}

impl Spec {
    fn merge(&mut self, other: &Spec) {
        self.shallow &= other.shallow;
        self.principal_types = match (self.principal_types.take(), &other.principal_types) {
            (Some(mut mine), Some(theirs)) => {
                mine.extend(theirs.iter().cloned());
                Some(mine)
            }
            _ => None,
        };
    }
}

/// Entitlements and the edges between them.
#[derive(Debug, Default)]
pub(super) struct Graph {
    ids: Vec<String>,
    index: HashMap<String, usize>,
    edges: BTreeMap<(usize, usize), Spec>,
}

/// One unit of expansion, one edge: the holders of `source` (of `principal_types`, all when
/// empty; only direct ones when `shallow`) get `destination`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Step {
    /// The level, from 1: every step of a level reads grants the earlier levels completed.
    pub(super) layer: u64,
    pub(super) destination: String,
    pub(super) source: String,
    pub(super) shallow: bool,
    pub(super) principal_types: Vec<String>,
}

/// The steps of an expansion, in order, and what the graph looked like.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Schedule {
    pub(super) steps: Vec<Step>,
    /// Levels: the longest chain of edges after collapsing cycles.
    pub(super) layers: u64,
    /// Cycles collapsed.
    pub(super) cycles: u64,
    /// Edges, parallel ones merged.
    pub(super) edges: u64,
}

impl Graph {
    /// Adds the edge `source` → `destination`, merged with one already there.
    pub(super) fn add_edge(
        &mut self,
        source: &str,
        destination: &str,
        shallow: bool,
        principal_types: &[String],
    ) {
        let spec = Spec {
            shallow,
            principal_types: (!principal_types.is_empty())
                .then(|| principal_types.iter().cloned().collect()),
        };
        let key = (self.node(source), self.node(destination));
        match self.edges.get_mut(&key) {
            Some(existing) => existing.merge(&spec),
            None => {
                self.edges.insert(key, spec);
            }
        }
    }

    fn node(&mut self, id: &str) -> usize {
        if let Some(&n) = self.index.get(id) {
            return n;
        }
        self.ids.push(id.to_owned());
        self.index.insert(id.to_owned(), self.ids.len() - 1);
        self.ids.len() - 1
    }

    /// The steps that expand the graph: each strongly connected component becomes one node
    /// (its inner edges dropped, the edges into and out of it merged per neighbour), and a
    /// node's entitlements are expanded once every node with an edge into it has been.
    pub(super) fn schedule(&self) -> Schedule {
        let components = components(self.ids.len(), &self.edges);
        let mut members: Vec<Vec<&str>> = vec![Vec::new(); components.count];
        for (node, &c) in components.of.iter().enumerate() {
            members[c].push(&self.ids[node]);
        }
        members.iter_mut().for_each(|m| m.sort_unstable());

        let mut condensed: BTreeMap<(usize, usize), Spec> = BTreeMap::new();
        let mut cyclic = vec![false; components.count];
        for (&(u, v), spec) in &self.edges {
            let (cu, cv) = (components.of[u], components.of[v]);
            if cu == cv {
                cyclic[cu] = true;
                continue;
            }
            match condensed.get_mut(&(cu, cv)) {
                Some(existing) => existing.merge(spec),
                None => {
                    condensed.insert((cu, cv), spec.clone());
                }
            }
        }

        let layer = layers(components.count, condensed.keys().copied());
        let mut steps = Vec::new();
        for (&(cu, cv), spec) in &condensed {
            let principal_types: Vec<String> =
                spec.principal_types.iter().flatten().cloned().collect();
            for source in &members[cu] {
                for destination in &members[cv] {
                    steps.push(Step {
                        layer: layer[cu],
                        destination: (*destination).to_owned(),
                        source: (*source).to_owned(),
                        shallow: spec.shallow,
                        principal_types: principal_types.clone(),
                    });
                }
            }
        }
        steps.sort_by(|a, b| {
            (a.layer, &a.destination, &a.source).cmp(&(b.layer, &b.destination, &b.source))
        });
        Schedule {
            layers: steps.iter().map(|s| s.layer).max().unwrap_or(0),
            cycles: cyclic.iter().filter(|&&c| c).count() as u64,
            edges: self.edges.len() as u64,
            steps,
        }
    }
}

/// The strongly connected component of every node.
struct Components {
    of: Vec<usize>,
    count: usize,
}

/// Tarjan's algorithm, iteratively, so a long chain cannot overflow the stack.
fn components(nodes: usize, edges: &BTreeMap<(usize, usize), Spec>) -> Components {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    for &(u, v) in edges.keys() {
        out[u].push(v);
    }
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; nodes];
    let mut low = vec![0; nodes];
    let mut on_stack = vec![false; nodes];
    let mut stack = Vec::new();
    let mut of = vec![UNSEEN; nodes];
    let mut count = 0;
    let mut next = 0;
    for root in 0..nodes {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, next outgoing edge to look at)
        let mut calls = vec![(root, 0)];
        while let Some(&mut (u, ref mut edge)) = calls.last_mut() {
            if *edge == 0 && index[u] == UNSEEN {
                index[u] = next;
                low[u] = next;
                next += 1;
                stack.push(u);
                on_stack[u] = true;
            }
            if let Some(&v) = out[u].get(*edge) {
                *edge += 1;
                if index[v] == UNSEEN {
                    calls.push((v, 0));
                } else if on_stack[v] {
                    low[u] = low[u].min(index[v]);
                }
                continue;
            }
            calls.pop();
            if let Some(&(parent, _)) = calls.last() {
                low[parent] = low[parent].min(low[u]);
            }
            if low[u] == index[u] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    of[w] = count;
                    if w == u {
                        break;
                    }
                }
                count += 1;
            }
        }
    }
    Components { of, count }
}

/// The level of every node of an acyclic graph: 1 for a node without incoming edges, else one
/// more than its deepest predecessor.
fn layers(nodes: usize, edges: impl Iterator<Item = (usize, usize)>) -> Vec<u64> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); nodes];
    let mut incoming = vec![0usize; nodes];
    for (u, v) in edges {
        out[u].push(v);
        incoming[v] += 1;
    }
    let mut layer = vec![1u64; nodes];
    let mut ready: Vec<usize> = (0..nodes).filter(|&n| incoming[n] == 0).collect();
    while let Some(u) = ready.pop() {
        for &v in &out[u] {
            layer[v] = layer[v].max(layer[u] + 1);
            incoming[v] -= 1;
            if incoming[v] == 0 {
                ready.push(v);
            }
        }
    }
    layer
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(edges: &[(&str, &str, bool, &[&str])]) -> Graph {
        let mut g = Graph::default();
        for (s, d, shallow, types) in edges {
            let types: Vec<String> = types.iter().map(|t| (*t).to_owned()).collect();
            g.add_edge(s, d, *shallow, &types);
        }
        g
    }

    fn step(layer: u64, source: &str, destination: &str, shallow: bool, types: &[&str]) -> Step {
        Step {
            layer,
            destination: destination.to_owned(),
            source: source.to_owned(),
            shallow,
            principal_types: types.iter().map(|t| (*t).to_owned()).collect(),
        }
    }

    #[test]
    fn a_chain_is_expanded_from_its_root() {
        let schedule = graph(&[("b", "c", false, &[]), ("a", "b", true, &[])]).schedule();
        assert_eq!(
            schedule.steps,
            [step(1, "a", "b", true, &[]), step(2, "b", "c", false, &[])]
        );
        assert_eq!(
            (schedule.layers, schedule.cycles, schedule.edges),
            (2, 0, 2)
        );
    }

    #[test]
    fn parallel_edges_merge_deep_and_unfiltered_wins() {
        let schedule = graph(&[
            ("a", "b", true, &["user"]),
            ("a", "b", true, &["group"]),
            ("a", "c", true, &["user"]),
            ("a", "c", false, &[]),
        ])
        .schedule();
        assert_eq!(
            schedule.steps,
            [
                step(1, "a", "b", true, &["group", "user"]),
                step(1, "a", "c", false, &[]),
            ]
        );
    }

    #[test]
    fn a_cycle_becomes_one_node_without_its_inner_edges() {
        // x → b, b ⇄ c, c → y, and a self-loop on z.
        let schedule = graph(&[
            ("x", "b", false, &[]),
            ("b", "c", false, &[]),
            ("c", "b", false, &[]),
            ("c", "y", true, &[]),
            ("z", "z", false, &[]),
        ])
        .schedule();
        assert_eq!(
            schedule.steps,
            [
                step(1, "x", "b", false, &[]),
                step(1, "x", "c", false, &[]),
                step(2, "b", "y", true, &[]),
                step(2, "c", "y", true, &[]),
            ]
        );
        assert_eq!((schedule.layers, schedule.cycles), (2, 2));
    }

    #[test]
    fn edges_into_a_cycle_merge_per_neighbour() {
        let schedule = graph(&[
            ("a", "b", true, &["user"]),
            ("a", "c", true, &[]),
            ("b", "c", false, &[]),
            ("c", "b", false, &[]),
        ])
        .schedule();
        assert_eq!(
            schedule.steps,
            [step(1, "a", "b", true, &[]), step(1, "a", "c", true, &[])]
        );
    }

    #[test]
    fn a_node_waits_for_its_deepest_predecessor() {
        let schedule = graph(&[
            ("a", "b", false, &[]),
            ("b", "c", false, &[]),
            ("a", "c", false, &[]),
            ("c", "d", false, &[]),
        ])
        .schedule();
        let order: Vec<(u64, &str, &str)> = schedule
            .steps
            .iter()
            .map(|s| (s.layer, s.source.as_str(), s.destination.as_str()))
            .collect();
        assert_eq!(
            order,
            [(1, "a", "b"), (1, "a", "c"), (2, "b", "c"), (3, "c", "d")]
        );
    }

    #[test]
    fn a_long_chain_does_not_overflow_the_stack() {
        let ids: Vec<String> = (0..100_000).map(|i| format!("e{i}")).collect();
        let mut g = Graph::default();
        for pair in ids.windows(2) {
            g.add_edge(&pair[0], &pair[1], false, &[]);
        }
        g.add_edge(&ids[99_999], &ids[0], false, &[]);
        let schedule = g.schedule();
        assert_eq!((schedule.cycles, schedule.steps.len()), (1, 0));
    }
}
