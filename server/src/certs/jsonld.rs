//! A small JSON-LD 1.1 expansion to RDF, enough for the documents Waypost signs: compacted
//! JSON whose `@context` is the VC 2.0 context followed by the Open Badges 3.0 context (both
//! bundled, never fetched), with the features those contexts use: term definitions with
//! `@id`, `@type` coercion (`@id`, `@vocab`, datatypes), `@container: @set` / `@graph`,
//! type-scoped contexts (not propagated to nested nodes) and property-scoped contexts
//! (propagated).
//!
//! It refuses, rather than guesses, everything else: a key that is not a defined term, an
//! absolute IRI or `id`/`type`; a context other than the bundled ones; lists, language maps,
//! floats. That is the same "safe mode" Digital Bazaar's verifiers use (a dropped term is an
//! error there too), so a credential that canonicalises here cannot silently mean something
//! else to them.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde_json::{Map, Value};

pub const VC_V2: &str = "https://www.w3.org/ns/credentials/v2";
pub const OB_V3: &str = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json";

const RDF_TYPE: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type";
const XSD_BOOLEAN: &str = "http://www.w3.org/2001/XMLSchema#boolean";
const XSD_INTEGER: &str = "http://www.w3.org/2001/XMLSchema#integer";

static VC_V2_CONTEXT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("contexts/credentials-v2.jsonld")).expect("the bundled VC 2.0 context is JSON")
});
static OB_V3_CONTEXT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::from_str(include_str!("contexts/ob-v3p0-3.0.3.jsonld")).expect("the bundled OB 3.0 context is JSON")
});

/// The bundled context documents by URL (also served to offline verifiers' loaders).
pub fn bundled_context(url: &str) -> Option<&'static Value> {
    match url {
        VC_V2 => Some(&VC_V2_CONTEXT),
        OB_V3 => Some(&OB_V3_CONTEXT),
        _ => None,
    }
}

/// An RDF term.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Term {
    Iri(String),
    Blank(String),
    Literal { value: String, datatype: Option<String> },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Quad {
    pub subject: Term,
    pub predicate: String,
    pub object: Term,
    /// `None` is the default graph.
    pub graph: Option<Term>,
}

#[derive(Clone, Debug, Default)]
struct TermDef {
    iri: String,
    type_mapping: Option<String>,
    container_graph: bool,
    scoped: Option<Value>,
}

#[derive(Clone, Debug, Default)]
struct Context {
    terms: BTreeMap<String, TermDef>,
}

#[derive(Debug, thiserror::Error)]
#[error("JSON-LD: {0}")]
pub struct JsonLdError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, JsonLdError> {
    Err(JsonLdError(msg.into()))
}

impl Context {
    /// Applies a local context (a URL of a bundled context, an object, or an array of them).
    fn apply(&self, local: &Value) -> Result<Self, JsonLdError> {
        let mut out = self.clone();
        match local {
            Value::Array(items) => {
                for item in items {
                    out = out.apply(item)?;
                }
            }
            Value::String(url) => {
                let doc = bundled_context(url).ok_or_else(|| JsonLdError(format!("unknown context {url}")))?;
                out = out.apply(&doc["@context"])?;
            }
            Value::Object(map) => {
                for (term, def) in map {
                    if term.starts_with('@') {
                        if term == "@protected" || term == "@version" {
                            continue;
                        }
                        return err(format!("context keyword {term} is not supported"));
                    }
                    let def = out.term_def(term, def, map)?;
                    if let Some(def) = def {
                        out.terms.insert(term.clone(), def);
                    }
                }
            }
            Value::Null => out = Self::default(),
            _ => return err("a context must be a URL, an object or an array"),
        }
        Ok(out)
    }

    fn term_def(&self, term: &str, def: &Value, local: &Map<String, Value>) -> Result<Option<TermDef>, JsonLdError> {
        let (id, obj) = match def {
            Value::String(id) => (id.as_str(), None),
            Value::Object(obj) => match obj.get("@id") {
                Some(Value::String(id)) => (id.as_str(), Some(obj)),
                _ => return err(format!("term {term} has no @id")),
            },
            _ => return err(format!("term {term}: unsupported definition")),
        };
        if id == "@id" || id == "@type" {
            // `id` and `type` aliases: handled by name.
            return Ok(None);
        }
        let mut out = TermDef {
            iri: self.expand_def_iri(id, local),
            ..TermDef::default()
        };
        if let Some(obj) = obj {
            if let Some(t) = obj.get("@type").and_then(Value::as_str) {
                out.type_mapping = Some(if t.starts_with('@') {
                    t.to_owned()
                } else {
                    self.expand_def_iri(t, local)
                });
            }
            match obj.get("@container").and_then(Value::as_str) {
                None | Some("@set") => {}
                Some("@graph") => out.container_graph = true,
                Some(other) => return err(format!("term {term}: container {other} is not supported")),
            }
            out.scoped = obj.get("@context").cloned();
        }
        Ok(Some(out))
    }

    /// An IRI in a term definition: a term of this or the enclosing context, a compact IRI
    /// whose prefix is a term, or an absolute IRI.
    fn expand_def_iri(&self, value: &str, local: &Map<String, Value>) -> String {
        if let Some(def) = self.terms.get(value) {
            return def.iri.clone();
        }
        if let Some(Value::Object(o)) = local.get(value)
            && let Some(Value::String(id)) = o.get("@id")
            && id != value
        {
            return self.expand_def_iri(id, local);
        }
        if let Some((prefix, suffix)) = value.split_once(':')
            && !suffix.starts_with("//")
            && let Some(def) = self.terms.get(prefix)
        {
            return format!("{}{suffix}", def.iri);
        }
        value.to_owned()
    }

    /// A key or a `@vocab` value: a term or an absolute IRI.
    fn expand_vocab(&self, key: &str) -> Result<String, JsonLdError> {
        if let Some(def) = self.terms.get(key) {
            return Ok(def.iri.clone());
        }
        if is_absolute_iri(key) {
            return Ok(key.to_owned());
        }
        err(format!("\"{key}\" is not a term of the credential's contexts"))
    }
}

fn is_absolute_iri(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, rest)) => {
            !scheme.is_empty()
                && scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && !rest.is_empty()
                && !s.chars().any(|c| c.is_control() || " <>\"{}|^`\\".contains(c))
        }
        None => false,
    }
}

struct ToRdf {
    quads: Vec<Quad>,
    next_blank: usize,
}

/// The RDF dataset of a compacted JSON-LD document (its `@context` must be bundled).
pub fn to_rdf(doc: &Value) -> Result<Vec<Quad>, JsonLdError> {
    let Value::Object(map) = doc else {
        return err("the document must be a JSON object");
    };
    // Only bundled contexts, by URL: an inline context could redefine (protected) terms so
    // that other keys carry the signed statements, which jsonld.js would refuse.
    let local = map.get("@context").unwrap_or(&Value::Null);
    let urls: Vec<&Value> = match local {
        Value::Array(items) => items.iter().collect(),
        other => vec![other],
    };
    if !urls
        .iter()
        .all(|u| u.as_str().is_some_and(|u| bundled_context(u).is_some()))
    {
        return err("@context must list bundled contexts by URL only");
    }
    let ctx = Context::default().apply(local)?;
    let mut out = ToRdf {
        quads: Vec::new(),
        next_blank: 0,
    };
    out.node(map, &ctx, None, true)?;
    Ok(out.quads)
}

impl ToRdf {
    fn blank(&mut self) -> Term {
        self.next_blank += 1;
        Term::Blank(format!("b{}", self.next_blank - 1))
    }

    /// Emits the quads of one node object; returns its subject.
    fn node(
        &mut self,
        map: &Map<String, Value>,
        outer: &Context,
        graph: Option<&Term>,
        top: bool,
    ) -> Result<Term, JsonLdError> {
        if map.contains_key("@context") && !top {
            return err("an embedded @context is not supported");
        }
        let subject = match map.get("id") {
            Some(Value::String(id)) if is_absolute_iri(id) => Term::Iri(id.clone()),
            Some(Value::String(id)) => return err(format!("id {id} is not an absolute IRI")),
            Some(_) => return err("id must be a string"),
            None => self.blank(),
        };
        let types: Vec<&str> = match map.get("type") {
            None => vec![],
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts
                .iter()
                .map(|t| {
                    t.as_str()
                        .ok_or_else(|| JsonLdError("type values must be strings".into()))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return err("type must be a string or an array"),
        };
        // Type-scoped contexts apply, in lexicographic order of the type terms, to this node's
        // own properties only.
        let mut sorted = types.clone();
        sorted.sort_unstable();
        let mut ctx = outer.clone();
        for t in &sorted {
            if let Some(scoped) = outer.terms.get(*t).and_then(|d| d.scoped.clone()) {
                ctx = ctx.apply(&scoped)?;
            }
        }
        for t in &types {
            let iri = outer.expand_vocab(t)?;
            self.quads.push(Quad {
                subject: subject.clone(),
                predicate: RDF_TYPE.into(),
                object: Term::Iri(iri),
                graph: graph.cloned(),
            });
        }
        for (key, value) in map {
            if matches!(key.as_str(), "id" | "type" | "@context") {
                continue;
            }
            if key.starts_with('@') {
                return err(format!("keyword {key} is not supported"));
            }
            let def = ctx.terms.get(key).cloned();
            let predicate = ctx.expand_vocab(key)?;
            // A property-scoped context applies to the value; a nested node first drops this
            // node's type-scoped contexts (they do not propagate), then applies it (as
            // jsonld.js does).
            let scoped = def.as_ref().and_then(|d| d.scoped.as_ref());
            let (value_ctx, nested_ctx) = match scoped {
                Some(scoped) => (ctx.apply(scoped)?, outer.apply(scoped)?),
                None => (ctx.clone(), outer.clone()),
            };
            let values: Vec<&Value> = match value {
                Value::Array(items) => items.iter().collect(),
                other => vec![other],
            };
            for v in values {
                let object = if def.as_ref().is_some_and(|d| d.container_graph) {
                    let Value::Object(inner) = v else {
                        return err(format!("{key} must hold objects"));
                    };
                    let g = self.blank();
                    self.node(inner, &nested_ctx, Some(&g), false)?;
                    g
                } else {
                    self.value(v, def.as_ref(), &value_ctx, &nested_ctx, graph, key)?
                };
                self.quads.push(Quad {
                    subject: subject.clone(),
                    predicate: predicate.clone(),
                    object,
                    graph: graph.cloned(),
                });
            }
        }
        Ok(subject)
    }

    fn value(
        &mut self,
        v: &Value,
        def: Option<&TermDef>,
        ctx: &Context,
        nested: &Context,
        graph: Option<&Term>,
        key: &str,
    ) -> Result<Term, JsonLdError> {
        let mapping = def.and_then(|d| d.type_mapping.as_deref());
        Ok(match v {
            Value::Object(inner) => self.node(inner, nested, graph, false)?,
            Value::String(s) => match mapping {
                Some("@id") => {
                    if !is_absolute_iri(s) {
                        return err(format!("{key}: {s} is not an absolute IRI"));
                    }
                    Term::Iri(s.clone())
                }
                Some("@vocab") => Term::Iri(ctx.expand_vocab(s)?),
                Some("@json") => return err(format!("{key}: @json values are not supported")),
                Some(datatype) => Term::Literal {
                    value: s.clone(),
                    datatype: Some(datatype.to_owned()),
                },
                None => Term::Literal {
                    value: s.clone(),
                    datatype: None,
                },
            },
            Value::Bool(b) => Term::Literal {
                value: b.to_string(),
                datatype: Some(plain_datatype(mapping).unwrap_or(XSD_BOOLEAN).to_owned()),
            },
            Value::Number(n) if n.is_i64() || n.is_u64() => Term::Literal {
                value: n.to_string(),
                datatype: Some(plain_datatype(mapping).unwrap_or(XSD_INTEGER).to_owned()),
            },
            Value::Number(_) => return err(format!("{key}: non-integer numbers are not supported")),
            Value::Null => return err(format!("{key}: null values are not supported")),
            Value::Array(_) => return err(format!("{key}: nested arrays are not supported")),
        })
    }
}

/// A datatype mapping, if the coercion is to a datatype (not `@id`/`@vocab`).
fn plain_datatype(mapping: Option<&str>) -> Option<&str> {
    mapping.filter(|m| !m.starts_with('@'))
}
