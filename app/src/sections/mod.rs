//! Sections whose features are still to come. Each says what it will hold and shows an honest
//! empty state; the feature issues replace them with their own pages.
use crate::i18n::{use_i18n, Texts};
use crate::ui::{EmptyState, PageHeader};
use leptos::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    Pipeline,
    Targets,
    Fieldwork,
}

impl Section {
    fn title(self, t: &Texts) -> &'static str {
        match self {
            Section::Pipeline => t.nav_pipeline,
            Section::Targets => t.nav_targets,
            Section::Fieldwork => t.nav_fieldwork,
        }
    }

    fn intro(self, t: &Texts) -> &'static str {
        match self {
            Section::Pipeline => t.pipeline_intro,
            Section::Targets => t.targets_intro,
            Section::Fieldwork => t.fieldwork_intro,
        }
    }
}

#[component]
pub fn SectionPage(section: Section) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <PageHeader title=Signal::derive(move || section.title(i18n.t()).to_string()) />
        <EmptyState
            title=Signal::derive(move || i18n.t().section_empty_title.to_string())
            body=Signal::derive(move || section.intro(i18n.t()).to_string())
        />
    }
}
