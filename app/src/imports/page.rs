//! The import pages: `/import` (choose a file) and `/import/:id` (map, dry-run, commit).
use super::{load_import_progress, load_upload_preview, ImportReport, RunImport, UploadPreview};
use crate::domain::import::{ImportKind, MatchBy};
use crate::error::AppError;
use crate::i18n::{tr, use_i18n, I18n};
use crate::ui::{ErrorPanel, Loading, PageHeader};
use leptos::prelude::*;
use leptos_router::hooks::{use_params_map, use_query_map};

#[component]
pub fn ImportPage() -> impl IntoView {
    let i18n = use_i18n();
    let query = use_query_map();
    let upload_error = move || {
        query.read().get("error").map(|code| {
            let t = &i18n.t().imports;
            let text = if code == "too_large" {
                t.upload_too_large
            } else {
                t.upload_empty
            };
            view! { <p class="form-error" role="alert" data-testid="upload-error">{text}</p> }
        })
    };
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().imports.title.to_string()) />
        <div class="toolbar"><crate::customers::page::CustomerTabs active="import" /></div>
        <section class="panel">
            <p class="muted">{tr(|t| t.imports.upload_hint)}</p>
            // A plain multipart post: the upload works before (and without) hydration.
            <form method="post" action="/api/imports/upload" enctype="multipart/form-data" class="form upload-form">
                <label class="field">
                    <span>{tr(|t| t.imports.file)}</span>
                    <input type="file" name="file" accept=".csv,.txt,.tsv,.xlsx" required data-testid="import-file" />
                </label>
                {upload_error}
                <div class="form-actions">
                    <button type="submit" class="button primary" data-testid="import-upload">{tr(|t| t.imports.upload)}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
pub fn ImportMappingPage() -> impl IntoView {
    let i18n = use_i18n();
    let params = use_params_map();
    let upload_id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let kind = RwSignal::new(ImportKind::Customers);
    let preview = Resource::new(
        move || (upload_id.get(), kind.get()),
        |(id, kind)| load_upload_preview(id, kind.as_str().to_string()),
    );
    view! {
        <PageHeader title=Signal::derive(move || i18n.t().imports.title.to_string()) />
        <div class="toolbar">
            <label class="field inline">
                <span>{tr(|t| t.imports.kind)}</span>
                <select data-testid="import-kind" on:change=move |ev| kind.set(ImportKind::parse(&event_target_value(&ev)).unwrap_or(ImportKind::Customers))>
                    {ImportKind::ALL.iter().copied().map(|k| view! {
                        <option value=k.as_str() selected=move || kind.get() == k>{move || i18n.t().imports.kinds[k.index()]}</option>
                    }).collect_view()}
                </select>
            </label>
            <a class="button subtle" href="/import">{tr(|t| t.imports.another_file)}</a>
        </div>
        <Transition fallback=Loading>
            {move || Suspend::new(async move {
                match preview.await {
                    Ok(preview) => view! { <MappingForm preview kind=kind.get_untracked() /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error /> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn field_label(i18n: I18n, key: &str) -> &'static str {
    (i18n.t().imports.field_label)(key)
}

#[component]
fn MappingForm(preview: UploadPreview, kind: ImportKind) -> AnyView {
    let i18n = use_i18n();
    let choices = RwSignal::new(preview.guesses.clone());
    // The first way of matching whose field a column was guessed for.
    let guessed = |by: MatchBy| {
        kind.match_field(by)
            .is_some_and(|field| preview.guesses.iter().any(|g| g == field))
    };
    let match_by = RwSignal::new(
        kind.match_choices()
            .iter()
            .copied()
            .find(|&by| guessed(by))
            .unwrap_or(kind.default_match()),
    );
    let run = ServerAction::<RunImport>::new();
    let upload_id = preview.upload_id;
    let dispatch = move |commit: bool| {
        run.dispatch(RunImport {
            upload_id,
            kind: kind.as_str().to_string(),
            match_by: match_by.get_untracked().as_str().to_string(),
            choices: choices.get_untracked().join(","),
            commit,
        });
    };
    // While an import runs, its progress is asked for every half second.
    let progress = RwSignal::new(None::<(u64, u64)>);
    Effect::new(move |handle: Option<Option<IntervalHandle>>| {
        if let Some(Some(handle)) = handle {
            handle.clear();
        }
        if !run.pending().get() {
            progress.set(None);
            return None;
        }
        set_interval_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(now) = load_import_progress(upload_id).await {
                        progress.set(now);
                    }
                })
            },
            std::time::Duration::from_millis(500),
        )
        .ok()
    });
    let error = Signal::derive(move || run.value().get().and_then(Result::err));
    let report = Signal::derive(move || run.value().get().and_then(Result::ok));
    // Required fields no column was mapped to: named above the table.
    let missing = move || {
        error.get().map(|e| {
            e.field_errors()
                .iter()
                .filter_map(|f| {
                    f.field
                        .strip_prefix("map_")
                        .filter(|rest| rest.parse::<usize>().is_err())
                        .map(|key| {
                            format!(
                                "{}：{}",
                                field_label(i18n, key),
                                i18n.t().field_error(&f.code)
                            )
                        })
                })
                .collect::<Vec<_>>()
                .join("；")
        })
    };
    let headers = preview.headers.clone();
    let summary =
        (i18n.t().imports.file_summary)(&preview.file_name, &preview.encoding, preview.rows);
    view! {
        <section class="panel import-mapping">
            <p data-testid="import-summary">{summary}</p>
            <MappingTable preview=preview.clone() kind choices error />
            {move || missing().filter(|m| !m.is_empty()).map(|text| view! { <p class="form-error" role="alert" data-testid="mapping-missing">{text}</p> })}
            <div class="form-row">
                {if kind.match_choices().is_empty() {
                    view! { <p class="hint">{tr(|t| t.imports.identical_rows)}</p> }.into_any()
                } else {
                    view! {
                        <label class="field inline">
                            <span>{tr(|t| t.imports.match_by)}</span>
                            <select data-testid="import-match-by" on:change=move |ev| match_by.set(MatchBy::parse(&event_target_value(&ev)).unwrap_or(kind.default_match()))>
                                {kind.match_choices().iter().copied().map(|m| view! {
                                    <option value=m.as_str() selected=move || match_by.get() == m>{move || i18n.t().imports.match_choices[m.index()]}</option>
                                }).collect_view()}
                            </select>
                        </label>
                    }.into_any()
                }}
            </div>
            {move || error.get().map(|e| {
                let text = if is_mapping_error(&e) {
                    i18n.t().err_form.to_string()
                } else if e.field_errors().is_empty() {
                    i18n.t().error(&e)
                } else {
                    e.field_errors().iter().map(|f| format!("{}：{}", field_label(i18n, &f.field), i18n.t().field_error(&f.code))).collect::<Vec<_>>().join("；")
                };
                view! { <p class="form-error" role="alert" data-testid="import-error">{text}</p> }
            })}
            <div class="form-actions">
                <button type="button" class="button" data-testid="dry-run" disabled=move || run.pending().get() on:click=move |_| dispatch(false)>{tr(|t| t.imports.dry_run)}</button>
                <button type="button" class="button primary" data-testid="commit-import" disabled=move || run.pending().get() on:click=move |_| dispatch(true)>{tr(|t| t.imports.commit)}</button>
            </div>
            {move || run.pending().get().then(|| view! {
                <div class="import-progress" role="status" data-testid="import-progress">
                    {move || match progress.get() {
                        Some((done, total)) if total > 0 => view! { <progress max=total.to_string() value=done.to_string()></progress><span>{format!("{done} / {total}")}</span> }.into_any(),
                        _ => view! { <progress></progress><span>{tr(|t| t.imports.running)}</span> }.into_any(),
                    }}
                </div>
            })}
            {move || report.get().map(|report| view! { <ReportView report headers=headers.clone() choices=choices.get_untracked() /> })}
        </section>
    }
    .into_any()
}

/// Per column of the file: its name with sample values, and the field it fills.
#[component]
fn MappingTable(
    preview: UploadPreview,
    kind: ImportKind,
    choices: RwSignal<Vec<String>>,
    error: Signal<Option<AppError>>,
) -> AnyView {
    let i18n = use_i18n();
    let column_error = move |index: usize| {
        let field = format!("map_{index}");
        error.get().and_then(|e| {
            e.field_errors()
                .iter()
                .find(|f| f.field == field)
                .map(|f| i18n.t().field_error(&f.code))
        })
    };
    view! {
            <div class="table-wrap">
            <table class="table mapping-table">
                <thead>
                    <tr>
                        <th scope="col">{tr(|t| t.imports.column)}</th>
                        <th scope="col">{tr(|t| t.imports.maps_to)}</th>
                    </tr>
                </thead>
                <tbody>
                    {preview.headers.iter().enumerate().map(|(index, header)| {
                        let samples: Vec<String> = preview.sample.iter().filter_map(|row| row.get(index)).filter(|v| !v.trim().is_empty()).take(3).cloned().collect();
                        view! {
                            <tr>
                                <th scope="row">
                                    <span class="column-name">{header.clone()}</span>
                                    <span class="muted sample">{samples.join(" · ")}</span>
                                </th>
                                <td>
                                    <select
                                        data-testid=format!("map-{index}")
                                        aria-label=header.clone()
                                        on:change=move |ev| {
                                            let value = event_target_value(&ev);
                                            choices.update(|c| if let Some(slot) = c.get_mut(index) { *slot = value });
                                        }
                                    >
                                        <option value="" selected=move || choices.with(|c| c.get(index).is_none_or(String::is_empty))>{tr(|t| t.imports.not_imported)}</option>
                                        {kind.fields().iter().map(|f| {
                                            let key = f.key;
                                            let label = move || if f.required { format!("{} *", field_label(i18n, key)) } else { field_label(i18n, key).to_string() };
                                            view! { <option value=key selected=move || choices.with(|c| c.get(index).is_some_and(|v| v == key))>{label}</option> }
                                        }).collect_view()}
                                    </select>
                                    {move || column_error(index).map(|text| view! { <p class="field-error" role="alert">{text}</p> })}
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

#[component]
fn ReportView(report: ImportReport, headers: Vec<String>, choices: Vec<String>) -> impl IntoView {
    let i18n = use_i18n();
    let t = &i18n.t().imports;
    let mut summary = if report.committed {
        (t.committed)(report.created, report.updated)
    } else {
        (t.dry_run_result)(report.rows, report.created, report.updated)
    };
    if report.unchanged > 0 {
        summary.push(' ');
        summary.push_str(&(t.unchanged)(report.unchanged));
    }
    let column_of = move |field: &str| {
        choices
            .iter()
            .position(|c| c == field)
            .and_then(|i| headers.get(i).cloned())
            .unwrap_or_default()
    };
    let has_errors = report.error_count > 0;
    view! {
        <div class="import-report" data-testid="import-report" data-committed=report.committed.to_string()>
            {if has_errors {
                view! {
                    <p class="form-error" role="alert">{(t.errors_found)(report.error_count)}" "{t.nothing_written}</p>
                    <div class="table-wrap">
                        <table class="table import-errors" data-testid="import-errors">
                            <thead>
                                <tr>
                                    <th scope="col" class="num">{t.line}</th>
                                    <th scope="col">{t.column}</th>
                                    <th scope="col">{t.field}</th>
                                    <th scope="col">{t.problem}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {report.errors.iter().map(|e| view! {
                                    <tr>
                                        <td class="num">{e.line}</td>
                                        <td>{column_of(&e.field)}</td>
                                        <td>{(t.field_label)(&e.field)}</td>
                                        <td>{i18n.t().field_error(&e.code)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            } else {
                view! { <p class=if report.committed { "form-success" } else { "muted" }>{summary}</p> }.into_any()
            }}
            {report.committed.then(|| view! { <p><a class="button" href="/customers">{tr(|t| t.nav_customers)}</a></p> })}
        </div>
    }
}

/// Whether an error came from the mapping form (shown at its columns instead of as a whole).
pub fn is_mapping_error(error: &AppError) -> bool {
    error
        .field_errors()
        .iter()
        .all(|f| f.field.starts_with("map_"))
}
