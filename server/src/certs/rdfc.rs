//! RDF Dataset Canonicalization (W3C RDFC-1.0, SHA-256): canonical blank node labels
//! (`_:c14n0`, …) and the canonical N-Quads text, sorted by code point. The whole algorithm,
//! including the N-degree hash for blank nodes that first-degree hashes cannot tell apart.
//!
//! Checked byte for byte against the Open Badges 3.0 specification's test vectors
//! (`certs::tests`) and, end to end, by Digital Bazaar's verifier (`tests/verifiers`).
//!
//! Crafted datasets ("poison graphs": many indistinguishable blank nodes) make the N-degree
//! hash factorial, and `/verify` canonicalises what anyone pastes, so the work is bounded
//! (as rdf-canonize's `maxWorkFactor` does): past [`MAX_WORK`] steps, or more than
//! [`MAX_BLANK_NODES`] blank nodes, it gives up with [`TooComplex`].

use std::collections::{BTreeMap, HashMap};

use sha2::{Digest as _, Sha256};

use super::jsonld::{Quad, Term};

/// Steps of the N-degree hash (permutations tried, recursions) before giving up.
pub const MAX_WORK: usize = 20_000;
/// Blank nodes a dataset may have (our credentials have three or four).
pub const MAX_BLANK_NODES: usize = 256;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("the dataset is too complex to canonicalise")]
pub struct TooComplex;

/// The canonical N-Quads of a dataset.
pub fn canonicalize(quads: &[Quad]) -> Result<String, TooComplex> {
    let state = State::new(quads);
    if state.by_blank.len() > MAX_BLANK_NODES {
        return Err(TooComplex);
    }
    let canonical = state.label()?;
    let mut lines: Vec<String> = quads
        .iter()
        .map(|q| serialize(q, &|b| canonical.get(b).cloned()))
        .collect();
    lines.sort_unstable();
    lines.dedup();
    Ok(lines.concat())
}

#[derive(Clone, Debug)]
struct Issuer {
    prefix: &'static str,
    counter: usize,
    issued: Vec<(String, String)>,
}

impl Issuer {
    fn new(prefix: &'static str) -> Self {
        Self {
            prefix,
            counter: 0,
            issued: Vec::new(),
        }
    }
    fn get(&self, id: &str) -> Option<&str> {
        self.issued.iter().find(|(k, _)| k == id).map(|(_, v)| v.as_str())
    }
    fn issue(&mut self, id: &str) -> String {
        if let Some(v) = self.get(id) {
            return v.to_owned();
        }
        let label = format!("{}{}", self.prefix, self.counter);
        self.counter += 1;
        self.issued.push((id.to_owned(), label.clone()));
        label
    }
}

struct State<'a> {
    by_blank: BTreeMap<String, Vec<&'a Quad>>,
    canonical: Issuer,
    first_degree: HashMap<String, String>,
    work: usize,
}

fn blanks(q: &Quad) -> impl Iterator<Item = &str> {
    [Some(&q.subject), Some(&q.object), q.graph.as_ref()]
        .into_iter()
        .flatten()
        .filter_map(|t| match t {
            Term::Blank(b) => Some(b.as_str()),
            _ => None,
        })
}

fn sha256_hex(s: &str) -> String {
    crate::auth::tokens::hex(&Sha256::digest(s.as_bytes()))
}

impl<'a> State<'a> {
    fn new(quads: &'a [Quad]) -> Self {
        let mut by_blank: BTreeMap<String, Vec<&Quad>> = BTreeMap::new();
        for q in quads {
            for b in blanks(q) {
                let list = by_blank.entry(b.to_owned()).or_default();
                if !list.iter().any(|x| std::ptr::eq(*x, q)) {
                    list.push(q);
                }
            }
        }
        Self {
            by_blank,
            canonical: Issuer::new("c14n"),
            first_degree: HashMap::new(),
            work: 0,
        }
    }

    fn hash_first_degree(&mut self, id: &str) -> String {
        if let Some(h) = self.first_degree.get(id) {
            return h.clone();
        }
        let mut lines: Vec<String> = self.by_blank[id]
            .iter()
            .map(|q| serialize(q, &|b| Some(if b == id { "a".into() } else { "z".into() })))
            .collect();
        lines.sort_unstable();
        let h = sha256_hex(&lines.concat());
        self.first_degree.insert(id.to_owned(), h.clone());
        h
    }

    fn spend(&mut self, steps: usize) -> Result<(), TooComplex> {
        self.work += steps;
        if self.work > MAX_WORK { Err(TooComplex) } else { Ok(()) }
    }

    fn label(mut self) -> Result<HashMap<String, String>, TooComplex> {
        let ids: Vec<String> = self.by_blank.keys().cloned().collect();
        let mut by_hash: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for id in &ids {
            let h = self.hash_first_degree(id);
            by_hash.entry(h).or_default().push(id.clone());
        }
        let mut shared = Vec::new();
        for (_, list) in by_hash {
            if list.len() == 1 {
                self.canonical.issue(&list[0]);
            } else {
                shared.push(list);
            }
        }
        for list in shared {
            let mut results = Vec::new();
            for id in &list {
                if self.canonical.get(id).is_some() {
                    continue;
                }
                let mut temp = Issuer::new("b");
                temp.issue(id);
                results.push(self.hash_n_degree(id, temp)?);
            }
            results.sort_by(|a, b| a.0.cmp(&b.0));
            for (_, issuer) in results {
                for (existing, _) in &issuer.issued {
                    self.canonical.issue(existing);
                }
            }
        }
        Ok(self.canonical.issued.into_iter().collect())
    }

    fn hash_related(&mut self, related: &str, quad: &Quad, issuer: &Issuer, position: &str) -> String {
        let id = match self.canonical.get(related).or_else(|| issuer.get(related)) {
            Some(label) => format!("_:{label}"),
            None => self.hash_first_degree(related),
        };
        let mut input = position.to_owned();
        if position != "g" {
            input.push_str(&format!("<{}>", quad.predicate));
        }
        input.push_str(&id);
        sha256_hex(&input)
    }

    fn hash_n_degree(&mut self, id: &str, mut issuer: Issuer) -> Result<(String, Issuer), TooComplex> {
        self.spend(1)?;
        let mut related_by_hash: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let quads = self.by_blank[id].clone();
        for q in quads {
            let parts = [(Some(&q.subject), "s"), (Some(&q.object), "o"), (q.graph.as_ref(), "g")];
            for (term, position) in parts {
                if let Some(Term::Blank(b)) = term
                    && b != id
                {
                    let h = self.hash_related(b, q, &issuer, position);
                    related_by_hash.entry(h).or_default().push(b.clone());
                }
            }
        }
        let mut data = String::new();
        for (hash, list) in related_by_hash {
            data.push_str(&hash);
            let mut chosen_path = String::new();
            let mut chosen_issuer: Option<Issuer> = None;
            if list.len() > 8 {
                return Err(TooComplex);
            }
            for perm in permutations(&list) {
                self.spend(1)?;
                let mut issuer_copy = issuer.clone();
                let mut path = String::new();
                let mut recursion = Vec::new();
                let mut skip = false;
                for related in &perm {
                    if let Some(c) = self.canonical.get(related) {
                        path.push_str(&format!("_:{c}"));
                    } else {
                        if issuer_copy.get(related).is_none() {
                            recursion.push(related.clone());
                        }
                        path.push_str(&format!("_:{}", issuer_copy.issue(related)));
                    }
                    if worse(&path, &chosen_path) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                for related in recursion {
                    let (h, next) = self.hash_n_degree(&related, issuer_copy.clone())?;
                    path.push_str(&format!("_:{}", issuer_copy.issue(&related)));
                    path.push_str(&format!("<{h}>"));
                    issuer_copy = next;
                    if worse(&path, &chosen_path) {
                        skip = true;
                        break;
                    }
                }
                if skip {
                    continue;
                }
                if chosen_path.is_empty() || path < chosen_path {
                    chosen_path = path;
                    chosen_issuer = Some(issuer_copy);
                }
            }
            data.push_str(&chosen_path);
            if let Some(next) = chosen_issuer {
                issuer = next;
            }
        }
        Ok((sha256_hex(&data), issuer))
    }
}

/// `path` can no longer beat `chosen` (RDFC-1.0 4.8.3 steps 5.4.4.3 and 5.4.5.5).
fn worse(path: &str, chosen: &str) -> bool {
    !chosen.is_empty() && path.len() >= chosen.len() && path > chosen
}

fn permutations(items: &[String]) -> Vec<Vec<String>> {
    if items.len() <= 1 {
        return vec![items.to_vec()];
    }
    let mut out = Vec::new();
    for i in 0..items.len() {
        let mut rest = items.to_vec();
        let first = rest.remove(i);
        for mut p in permutations(&rest) {
            p.insert(0, first.clone());
            out.push(p);
        }
    }
    out
}

/// One quad as a canonical N-Quads line; `label` names blank nodes.
fn serialize(q: &Quad, label: &dyn Fn(&str) -> Option<String>) -> String {
    let mut s = String::new();
    term(&mut s, &q.subject, label);
    s.push_str(&format!(" <{}> ", q.predicate));
    term(&mut s, &q.object, label);
    if let Some(g) = &q.graph {
        s.push(' ');
        term(&mut s, g, label);
    }
    s.push_str(" .\n");
    s
}

fn term(s: &mut String, t: &Term, label: &dyn Fn(&str) -> Option<String>) {
    match t {
        Term::Iri(iri) => s.push_str(&format!("<{iri}>")),
        Term::Blank(b) => s.push_str(&format!("_:{}", label(b).unwrap_or_else(|| b.clone()))),
        Term::Literal { value, datatype } => {
            s.push('"');
            escape_literal(s, value);
            s.push('"');
            if let Some(dt) = datatype
                && dt != "http://www.w3.org/2001/XMLSchema#string"
            {
                s.push_str(&format!("^^<{dt}>"));
            }
        }
    }
}

/// Canonical N-Triples string escaping: ECHAR for \b \t \n \f \r " \\, UCHAR for the other
/// control characters and DEL.
fn escape_literal(s: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\u{8}' => s.push_str("\\b"),
            '\t' => s.push_str("\\t"),
            '\n' => s.push_str("\\n"),
            '\u{c}' => s.push_str("\\f"),
            '\r' => s.push_str("\\r"),
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => s.push_str(&format!("\\u{:04X}", c as u32)),
            c => s.push(c),
        }
    }
}
