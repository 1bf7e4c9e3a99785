//! The sign-in page, the language switch and the logout button.
use super::api::{fetch_current_user, is_first_run, Login, Logout, SetLocale};
use crate::domain::format::Locale;
use crate::i18n::{tr, use_i18n};
use crate::ui::{action_error, invalid, Field, FormMessage};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::components::Redirect;

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let error = action_error(login);
    let signed_in = Resource::new(|| (), |_| fetch_current_user());
    let first_run = Resource::new(|| (), |_| is_first_run());
    view! {
        <main class="login-page">
            <Suspense>
                {move || Suspend::new(async move {
                    matches!(signed_in.await, Ok(Some(_))).then(|| view! { <Redirect path="/dashboard" /> })
                })}
            </Suspense>
            <section class="login-card">
                <div class="login-brand">
                    <span class="brand-mark large" aria-hidden="true">"精"</span>
                    <h1>{tr(|t| t.login_title)}</h1>
                    <p class="tagline">{tr(|t| t.tagline)}</p>
                </div>
                <Suspense>
                    {move || Suspend::new(async move {
                        matches!(first_run.await, Ok(true)).then(|| view! {
                            <div class="notice" data-testid="first-run">
                                <h2>{tr(|t| t.first_run_title)}</h2>
                                <p>{tr(|t| t.first_run_body)}</p>
                            </div>
                        })
                    })}
                </Suspense>
                <ActionForm action=login attr:class="form" attr:novalidate=true>
                    <Field label=|t| t.username error field="username">
                        <input name="username" autocomplete="username" autocapitalize="none" required
                            aria-invalid=invalid(error, "username") />
                    </Field>
                    <Field label=|t| t.password error field="password">
                        <input name="password" type="password" autocomplete="current-password" required
                            aria-invalid=invalid(error, "password") />
                    </Field>
                    <FormMessage error fields=&["username", "password"] />
                    <button type="submit" class="button primary wide" disabled=move || login.pending().get()>
                        {tr(|t| t.sign_in)}
                    </button>
                </ActionForm>
                <LanguageSwitch />
            </section>
        </main>
    }
}

/// One small form per language, so it also works before the page has hydrated.
#[component]
pub fn LanguageSwitch() -> impl IntoView {
    let i18n = use_i18n();
    let set_locale = ServerAction::<SetLocale>::new();
    let choices = Locale::ALL
        .into_iter()
        .map(|locale| {
            let name = match locale {
                Locale::ZhCn => "中文",
                Locale::En => "English",
            };
            view! {
                <ActionForm action=set_locale attr:class="inline-form" on:submit=move |_| i18n.locale.set(locale)>
                    <input type="hidden" name="locale" value=locale.tag() />
                    <button type="submit" class="chip" lang=locale.tag()
                        aria-pressed=move || (i18n.locale.get() == locale).to_string()>
                        {name}
                    </button>
                </ActionForm>
            }
        })
        .collect_view();
    view! {
        <div class="language-switch" role="group" aria-label=move || i18n.t().language>
            {choices}
        </div>
    }
}

#[component]
pub fn LogoutButton() -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <ActionForm action=logout attr:class="inline-form">
            <button type="submit" class="button subtle wide" data-testid="logout">{tr(|t| t.logout)}</button>
        </ActionForm>
    }
}
