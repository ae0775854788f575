//! The output formats of GET /statements (Communication 2.1.3, `format`): `exact` is the
//! statement's own serialisation; `ids` keeps only what identifies Agents, Groups, Activities
//! and Verbs; `canonical` puts in the LRS's canonical Activity definitions and Verb displays and
//! keeps one language per language map, chosen by `Accept-Language` for each map separately.

use crate::error::{Result, XapiError};
use crate::model::*;
use crate::types::{Iri, LanguageMap};

/// The `format` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// As received (the default).
    #[default]
    Exact,
    /// Identifiers only.
    Ids,
    /// Canonical definitions, one language per map.
    Canonical,
}

impl Format {
    /// `ids`, `exact` or `canonical` (exact case).
    pub fn parse(text: &str) -> Result<Self> {
        match text {
            "exact" => Ok(Format::Exact),
            "ids" => Ok(Format::Ids),
            "canonical" => Ok(Format::Canonical),
            other => Err(XapiError::bad_request(
                "format",
                format!("{other:?} is not a format: use ids, exact or canonical"),
            )),
        }
    }
}

/// Where canonical definitions come from (the store: the latest definition it holds for an
/// activity id, the display it holds for a verb id).
pub trait CanonicalSource {
    /// The canonical definition of the activity, if the LRS has one.
    fn activity_definition(&self, id: &Iri) -> Option<ActivityDefinition>;
    /// The canonical display of the verb, if the LRS has one.
    fn verb_display(&self, id: &Iri) -> Option<LanguageMap>;
}

/// `statement` in `ids` format.
pub fn to_ids(statement: &Statement) -> Statement {
    Statement {
        actor: actor_ids(&statement.actor),
        verb: Verb {
            id: statement.verb.id.clone(),
            display: None,
        },
        object: object_ids(&statement.object),
        context: statement.context.as_ref().map(context_ids),
        authority: statement.authority.as_ref().map(actor_ids),
        ..statement.clone()
    }
}

fn agent_ids(agent: &Agent) -> Agent {
    Agent {
        name: None,
        ..agent.clone()
    }
}

fn group_ids(group: &Group) -> Group {
    Group {
        object_type: GroupType::Group,
        name: None,
        ifi: group.ifi.clone(),
        // An Identified Group is identified by its IFI; an Anonymous Group by its members.
        member: if group.ifi.is_some() {
            None
        } else {
            group
                .member
                .as_ref()
                .map(|members| members.iter().map(agent_ids).collect())
        },
    }
}

fn actor_ids(actor: &Actor) -> Actor {
    match actor {
        Actor::Agent(agent) => Actor::Agent(agent_ids(agent)),
        Actor::Group(group) => Actor::Group(group_ids(group)),
    }
}

/// An Activity is identified by its `id` alone (the 1.0.3 suite counts one property: a sent
/// `objectType: "Activity"` is the default, not an identifier).
fn activity_ids(activity: &Activity) -> Activity {
    Activity {
        object_type: None,
        id: activity.id.clone(),
        definition: None,
    }
}

fn object_ids(object: &StatementObject) -> StatementObject {
    match object {
        StatementObject::Activity(activity) => StatementObject::Activity(activity_ids(activity)),
        StatementObject::Agent(agent) => StatementObject::Agent(agent_ids(agent)),
        StatementObject::Group(group) => StatementObject::Group(group_ids(group)),
        StatementObject::StatementRef(reference) => {
            StatementObject::StatementRef(reference.clone())
        }
        StatementObject::SubStatement(sub) => {
            StatementObject::SubStatement(Box::new(SubStatement {
                actor: actor_ids(&sub.actor),
                verb: Verb {
                    id: sub.verb.id.clone(),
                    display: None,
                },
                object: object_ids(&sub.object),
                context: sub.context.as_ref().map(context_ids),
                ..(**sub).clone()
            }))
        }
    }
}

fn map_activities(
    activities: &ContextActivities,
    f: &impl Fn(&Activity) -> Activity,
) -> ContextActivities {
    let list = |l: &Option<Vec<Activity>>| l.as_ref().map(|v| v.iter().map(f).collect());
    ContextActivities {
        parent: list(&activities.parent),
        grouping: list(&activities.grouping),
        category: list(&activities.category),
        other: list(&activities.other),
    }
}

fn context_ids(context: &Context) -> Context {
    Context {
        instructor: context.instructor.as_ref().map(actor_ids),
        team: context.team.as_ref().map(group_ids),
        context_activities: context
            .context_activities
            .as_ref()
            .map(|a| map_activities(a, &activity_ids)),
        context_agents: context.context_agents.as_ref().map(|agents| {
            agents
                .iter()
                .map(|c| ContextAgent {
                    agent: agent_ids(&c.agent),
                    ..c.clone()
                })
                .collect()
        }),
        context_groups: context.context_groups.as_ref().map(|groups| {
            groups
                .iter()
                .map(|c| ContextGroup {
                    group: group_ids(&c.group),
                    ..c.clone()
                })
                .collect()
        }),
        ..context.clone()
    }
}

/// An `Accept-Language` header (RFC 9110 §12.5.4): language ranges with weights.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AcceptLanguage {
    /// Ranges in lower case, best first; weight 0 ("not acceptable") left out.
    ranges: Vec<(String, f32)>,
}

impl AcceptLanguage {
    /// Parses the header; malformed entries are skipped (a bad header must not fail a GET).
    pub fn parse(header: &str) -> Self {
        let mut ranges: Vec<(String, f32)> = header
            .split(',')
            .filter_map(|entry| {
                let mut parts = entry.split(';');
                let range = parts.next()?.trim().to_ascii_lowercase();
                if range.is_empty()
                    || !(range == "*"
                        || range.split('-').all(|s| {
                            !s.is_empty()
                                && s.len() <= 8
                                && s.bytes().all(|b| b.is_ascii_alphanumeric())
                        }))
                {
                    return None;
                }
                let mut weight = 1.0f32;
                for parameter in parts {
                    if let Some(q) = parameter.trim().strip_prefix("q=") {
                        weight = q
                            .trim()
                            .parse()
                            .ok()
                            .filter(|w: &f32| (0.0..=1.0).contains(w))?;
                    }
                }
                (weight > 0.0).then_some((range, weight))
            })
            .collect();
        // Stable: equal weights keep the header's order.
        ranges.sort_by(|a, b| b.1.total_cmp(&a.1));
        AcceptLanguage { ranges }
    }

    /// The one entry of `map` to return: the best range that matches a tag (equal, or a
    /// prefix of it at a `-`, RFC 4647 basic filtering; `*` matches anything); failing that,
    /// the best range's shortened forms (`en-GB` → `en`); failing that, the first tag in
    /// order, so that exactly one language is returned either way.
    pub fn pick<'a>(
        &self,
        map: &'a LanguageMap,
    ) -> Option<(&'a crate::types::LanguageTag, &'a String)> {
        let matches = |range: &str, tag: &str| {
            let tag = tag.to_ascii_lowercase();
            range == "*" || tag == range || tag.starts_with(&format!("{range}-"))
        };
        for (range, _) in &self.ranges {
            if let Some(entry) = map.iter().find(|(tag, _)| matches(range, tag.as_str())) {
                return Some(entry);
            }
        }
        for (range, _) in &self.ranges {
            let mut shortened = range.as_str();
            while let Some((head, _)) = shortened.rsplit_once('-') {
                shortened = head;
                if let Some(entry) = map
                    .iter()
                    .find(|(tag, _)| tag.as_str().eq_ignore_ascii_case(shortened))
                {
                    return Some(entry);
                }
            }
        }
        map.iter().next()
    }

    fn reduce(&self, map: &Option<LanguageMap>) -> Option<LanguageMap> {
        map.as_ref().map(|map| {
            self.pick(map)
                .map(|(tag, text)| LanguageMap::from([(tag.clone(), text.clone())]))
                .unwrap_or_default()
        })
    }
}

/// `statement` in `canonical` format: canonical Activity definitions and Verb displays where
/// `source` has them, and one language in each of their language maps.
pub fn to_canonical(
    statement: &Statement,
    source: &dyn CanonicalSource,
    languages: &AcceptLanguage,
) -> Statement {
    let canonical = Canonicaliser { source, languages };
    Statement {
        verb: canonical.verb(&statement.verb),
        object: canonical.object(&statement.object),
        context: statement.context.as_ref().map(|c| canonical.context(c)),
        ..statement.clone()
    }
}

struct Canonicaliser<'a> {
    source: &'a dyn CanonicalSource,
    languages: &'a AcceptLanguage,
}

impl Canonicaliser<'_> {
    fn verb(&self, verb: &Verb) -> Verb {
        let display = self
            .source
            .verb_display(&verb.id)
            .or_else(|| verb.display.clone());
        Verb {
            id: verb.id.clone(),
            display: self.languages.reduce(&display),
        }
    }

    fn components(
        &self,
        list: &Option<Vec<InteractionComponent>>,
    ) -> Option<Vec<InteractionComponent>> {
        list.as_ref().map(|components| {
            components
                .iter()
                .map(|c| InteractionComponent {
                    id: c.id.clone(),
                    description: self.languages.reduce(&c.description),
                })
                .collect()
        })
    }

    fn activity(&self, activity: &Activity) -> Activity {
        let definition = self
            .source
            .activity_definition(&activity.id)
            .map(Box::new)
            .or_else(|| activity.definition.clone());
        Activity {
            object_type: activity.object_type,
            id: activity.id.clone(),
            definition: definition.map(|d| {
                Box::new(ActivityDefinition {
                    name: self.languages.reduce(&d.name),
                    description: self.languages.reduce(&d.description),
                    choices: self.components(&d.choices),
                    scale: self.components(&d.scale),
                    source: self.components(&d.source),
                    target: self.components(&d.target),
                    steps: self.components(&d.steps),
                    ..*d
                })
            }),
        }
    }

    fn object(&self, object: &StatementObject) -> StatementObject {
        match object {
            StatementObject::Activity(activity) => {
                StatementObject::Activity(self.activity(activity))
            }
            StatementObject::SubStatement(sub) => {
                StatementObject::SubStatement(Box::new(SubStatement {
                    verb: self.verb(&sub.verb),
                    object: self.object(&sub.object),
                    context: sub.context.as_ref().map(|c| self.context(c)),
                    ..(**sub).clone()
                }))
            }
            other => other.clone(),
        }
    }

    fn context(&self, context: &Context) -> Context {
        Context {
            context_activities: context
                .context_activities
                .as_ref()
                .map(|a| map_activities(a, &|activity| self.activity(activity))),
            ..context.clone()
        }
    }
}

/// Folds a definition met in a new statement into the activity's canonical one (the Activities
/// resource returns "all available information about an activity"): language maps are merged
/// entry by entry, the newer text winning for a language; every other property the incoming
/// definition has replaces the stored one; what it lacks is kept. The interaction properties
/// are replaced together (see below).
pub fn merge_definition(canonical: &mut ActivityDefinition, incoming: &ActivityDefinition) {
    fn merge_map(into: &mut Option<LanguageMap>, from: &Option<LanguageMap>) {
        if let Some(from) = from {
            into.get_or_insert_with(LanguageMap::new)
                .extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
    }
    fn replace<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
        if from.is_some() {
            into.clone_from(from);
        }
    }
    merge_map(&mut canonical.name, &incoming.name);
    merge_map(&mut canonical.description, &incoming.description);
    replace(&mut canonical.activity_type, &incoming.activity_type);
    replace(&mut canonical.more_info, &incoming.more_info);
    // The interaction properties hang together (which component lists an interactionType
    // takes): a definition that has any of them replaces them as a group, so the canonical
    // definition never mixes two interaction types' lists.
    let interaction = |d: &ActivityDefinition| {
        d.interaction_type.is_some()
            || d.correct_responses_pattern.is_some()
            || d.choices.is_some()
            || d.scale.is_some()
            || d.source.is_some()
            || d.target.is_some()
            || d.steps.is_some()
    };
    if interaction(incoming) {
        canonical.interaction_type = incoming.interaction_type;
        canonical
            .correct_responses_pattern
            .clone_from(&incoming.correct_responses_pattern);
        canonical.choices.clone_from(&incoming.choices);
        canonical.scale.clone_from(&incoming.scale);
        canonical.source.clone_from(&incoming.source);
        canonical.target.clone_from(&incoming.target);
        canonical.steps.clone_from(&incoming.steps);
    }
    if let Some(extensions) = &incoming.extensions {
        canonical
            .extensions
            .get_or_insert_with(Default::default)
            .extend(extensions.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
}
