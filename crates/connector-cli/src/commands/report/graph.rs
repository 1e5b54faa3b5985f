//! The picture of who reaches the privileged resources of one top-level resource: an SVG drawn
//! here, in three columns — people (counted, not one node each), what they hold it through
//! (a group, a role, or directly), and what they reach (a resource's permission) — so an
//! organization of hundreds of people is a few dozen nodes, not a hairball.

use std::collections::BTreeMap;
use std::fmt::Write;

use maud::{Markup, PreEscaped, html};

/// People reaching `target` through `source`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    /// What it comes through: `team Payments`, `admin of organization acme`, `direct`.
    pub source: String,
    /// What is reached: `orders: admin`.
    pub target: String,
    /// How many people.
    pub people: usize,
}

/// Sources and targets drawn; the rest are merged into one node each ("N others").
const MAX_NODES: usize = 16;
const ROW: f64 = 30.0;
const NODE_H: f64 = 22.0;
const WIDTH: f64 = 960.0;
/// x of the three columns' left edges, and their widths.
const COLUMNS: [(f64, f64); 3] = [(8.0, 120.0), (260.0, 260.0), (660.0, 292.0)];

/// The SVG of `flows` (people counted per source and target), titled `title`, with the people
/// each source holds something through (`people`: distinct people, not a sum over targets);
/// `None` when there is nothing to draw.
pub fn svg(title: &str, flows: &[Flow], people: &BTreeMap<String, usize>) -> Option<Markup> {
    if flows.is_empty() {
        return None;
    }
    let mut sources: Vec<(String, usize)> = ranked(flows, |f| &f.source)
        .into_iter()
        .map(|(source, n)| {
            let n = people.get(&source).copied().unwrap_or(n);
            (source, n)
        })
        .collect();
    sources.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    let targets = ranked(flows, |f| &f.target);
    let (source_of, sources) = keep(&sources, "other sources");
    let (target_of, targets) = keep(&targets, "other resources");
    let mut links: BTreeMap<(usize, usize), usize> = BTreeMap::new();
    for f in flows {
        *links
            .entry((source_of[&f.source], target_of[&f.target]))
            .or_default() += f.people;
    }
    let rows = sources.len().max(targets.len());
    let height = 40.0 + rows as f64 * ROW + 10.0;
    let y = |i: usize, n: usize| {
        // Each column centred on the tallest.
        let offset = (rows - n) as f64 * ROW / 2.0;
        40.0 + offset + i as f64 * ROW
    };
    let widest = links.values().copied().max().unwrap_or(1).max(1) as f64;
    let stroke = |people: usize| 1.0 + 7.0 * (people as f64).ln_1p() / widest.ln_1p().max(1.0);
    let mut paths = String::new();
    for (i, (_, people)) in sources.iter().enumerate() {
        let y0 = y(i, sources.len()) + NODE_H / 2.0;
        let (x0, w0) = COLUMNS[0];
        let (x1, _) = COLUMNS[1];
        let _ = write!(
            paths,
            r#"<path class="edge" d="M{:.1} {y0:.1} H{x1:.1}" stroke-width="{:.1}"/>"#,
            x0 + w0,
            stroke(*people)
        );
    }
    for (&(s, t), &people) in &links {
        let (x1, w1) = COLUMNS[1];
        let (x2, _) = COLUMNS[2];
        let (ya, yb) = (
            y(s, sources.len()) + NODE_H / 2.0,
            y(t, targets.len()) + NODE_H / 2.0,
        );
        let (xa, xb) = (x1 + w1, x2);
        let mid = (xa + xb) / 2.0;
        let _ = write!(
            paths,
            r#"<path class="edge" d="M{xa:.1} {ya:.1} C{mid:.1} {ya:.1} {mid:.1} {yb:.1} {xb:.1} {yb:.1}" stroke-width="{:.1}"><title>{people} people</title></path>"#,
            stroke(people)
        );
    }
    let node = |column: usize, i: usize, n: usize, label: &str, class: &str| {
        let (x, w) = COLUMNS[column];
        let top = y(i, n);
        let shown = clip(label, (w / 7.0) as usize);
        html! {
            g class=(class) {
                title { (label) }
                rect x=(x) y=(top) width=(w) height=(NODE_H) rx="4" {}
                text x=(x + 6.0) y=(top + 15.0) { (shown) }
            }
        }
    };
    Some(html! {
        svg class="graph" viewBox=(format!("0 0 {WIDTH} {height:.0}")) role="img"
            aria-label=(title) xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            text class="heading" x=(COLUMNS[0].0) y="20" { "People" }
            text class="heading" x=(COLUMNS[1].0) y="20" { "Through" }
            text class="heading" x=(COLUMNS[2].0) y="20" { "Reach" }
            (PreEscaped(paths))
            @for (i, (_, people)) in sources.iter().enumerate() {
                (node(0, i, sources.len(), &format!("{people} {}", plural(*people, "person", "people")), "people"))
            }
            @for (i, (name, _)) in sources.iter().enumerate() {
                (node(1, i, sources.len(), name, "source"))
            }
            @for (i, (name, _)) in targets.iter().enumerate() {
                (node(2, i, targets.len(), name, "target"))
            }
        }
    })
}

/// Each distinct `key` of `flows` with its people, most first, then by name.
fn ranked<'f>(flows: &'f [Flow], key: impl Fn(&'f Flow) -> &'f String) -> Vec<(String, usize)> {
    let mut totals: BTreeMap<&String, usize> = BTreeMap::new();
    for f in flows {
        *totals.entry(key(f)).or_default() += f.people;
    }
    let mut ranked: Vec<(String, usize)> =
        totals.into_iter().map(|(k, n)| (k.clone(), n)).collect();
    ranked.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    ranked
}

/// The first [`MAX_NODES`] - 1 of `ranked` and one node for the rest, and where each name went.
fn keep(
    ranked: &[(String, usize)],
    others: &str,
) -> (BTreeMap<String, usize>, Vec<(String, usize)>) {
    let mut index = BTreeMap::new();
    let mut kept: Vec<(String, usize)> = Vec::new();
    for (i, (name, people)) in ranked.iter().enumerate() {
        if ranked.len() > MAX_NODES && i >= MAX_NODES - 1 {
            if kept.len() < MAX_NODES {
                kept.push((String::new(), 0));
            }
            let last = kept.len() - 1;
            kept[last].1 += people;
            index.insert(name.clone(), last);
        } else {
            index.insert(name.clone(), kept.len());
            kept.push((name.clone(), *people));
        }
    }
    if ranked.len() > MAX_NODES {
        let merged = ranked.len() - (MAX_NODES - 1);
        kept[MAX_NODES - 1].0 = format!("{merged} {others}");
    }
    (index, kept)
}

/// `text` cut to `chars` characters, ending in `…` when cut.
fn clip(text: &str, chars: usize) -> String {
    match text.chars().count() > chars {
        true => {
            let mut cut: String = text.chars().take(chars.saturating_sub(1)).collect();
            cut.push('…');
            cut
        }
        false => text.to_owned(),
    }
}

/// `one` or `many` by `n`.
pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    match n {
        1 => one,
        _ => many,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow(source: &str, target: &str, people: usize) -> Flow {
        Flow {
            source: source.into(),
            target: target.into(),
            people,
        }
    }

    #[test]
    fn many_sources_are_merged_into_one_node() {
        let flows: Vec<Flow> = (0..40)
            .map(|i| flow(&format!("team t{i:02}"), "orders: admin", 40 - i))
            .collect();
        let svg = svg("acme", &flows, &BTreeMap::new()).unwrap().into_string();
        assert!(svg.contains("team t00"), "{svg}");
        assert!(svg.contains("25 other sources"), "{svg}");
        assert!(!svg.contains("team t39"), "{svg}");
        assert_eq!(svg.matches("class=\"source\"").count(), MAX_NODES);
    }

    #[test]
    fn names_are_escaped() {
        let svg = svg(
            "<x>",
            &[flow("team <script>", "a&b: admin", 1)],
            &BTreeMap::new(),
        )
        .unwrap()
        .into_string();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(svg.contains("team &lt;script&gt;"), "{svg}");
        assert!(svg.contains("a&amp;b: admin"), "{svg}");
        assert!(svg.contains("1 person"), "{svg}");
    }

    #[test]
    fn nothing_to_draw_is_no_picture() {
        assert!(svg("acme", &[], &BTreeMap::new()).is_none());
    }
}
