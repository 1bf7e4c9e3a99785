//! `/account`: everyone changes their own password and signs out their other sessions (a lost
//! phone, a shared computer).
use super::api::{ChangePassword, SignOutOthers};
use crate::domain::format::Locale;
use crate::i18n::use_i18n;
use crate::ui::{action_error, invalid, labelled_field, FormMessage, PageHeader};
use leptos::form::ActionForm;
use leptos::prelude::*;

struct AccountTexts {
    title: &'static str,
    password: &'static str,
    current: &'static str,
    new: &'static str,
    change: &'static str,
    changed: &'static str,
    sessions: &'static str,
    sessions_hint: &'static str,
    sign_out_others: &'static str,
    signed_out: fn(u64) -> String,
}

fn texts(locale: Locale) -> &'static AccountTexts {
    const ZH_CN: AccountTexts = AccountTexts {
        title: "我的账号",
        password: "修改密码",
        current: "当前密码",
        new: "新密码（至少 8 位）",
        change: "修改密码",
        changed: "密码已修改，其他设备上的登录已退出。",
        sessions: "其他设备",
        sessions_hint: "手机丢失或在别人的电脑上登录过？退出除本设备外的所有登录。",
        sign_out_others: "退出其他设备",
        signed_out: |n| format!("已退出 {n} 个其他登录。"),
    };
    const EN: AccountTexts = AccountTexts {
        title: "My account",
        password: "Change password",
        current: "Current password",
        new: "New password (at least 8 characters)",
        change: "Change password",
        changed: "Password changed; your other sessions were signed out.",
        sessions: "Other devices",
        sessions_hint:
            "Lost a phone, or signed in on someone else's computer? Sign out everywhere but here.",
        sign_out_others: "Sign out other devices",
        signed_out: |n| format!("{n} other sessions signed out."),
    };
    match locale {
        Locale::ZhCn => &ZH_CN,
        Locale::En => &EN,
    }
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let i18n = use_i18n();
    let t = move || texts(i18n.locale.get());
    let change = ServerAction::<ChangePassword>::new();
    let others = ServerAction::<SignOutOthers>::new();
    let error = action_error(change);
    let others_error = action_error(others);
    let label = move |pick: fn(&AccountTexts) -> &'static str| {
        Signal::derive(move || pick(t()).to_string())
    };
    view! {
        <PageHeader title=Signal::derive(move || t().title.to_string()) />
        <section class="card">
            <h2>{move || t().password}</h2>
            <ActionForm action=change attr:class="form" attr:novalidate=true attr:data-testid="password-form">
                {labelled_field(label(|t| t.current), error, "current_password", Box::new(move || view! {
                    <input type="password" name="current_password" autocomplete="current-password" maxlength="128" aria-invalid=invalid(error, "current_password") />
                }.into_any()))}
                {labelled_field(label(|t| t.new), error, "new_password", Box::new(move || view! {
                    <input type="password" name="new_password" autocomplete="new-password" maxlength="128" aria-invalid=invalid(error, "new_password") />
                }.into_any()))}
                <FormMessage error fields=&["current_password", "new_password"] />
                {move || matches!(change.value().get(), Some(Ok(()))).then(|| view! { <p class="form-ok" role="status">{t().changed}</p> })}
                <div class="form-actions"><button type="submit" class="button primary">{move || t().change}</button></div>
            </ActionForm>
        </section>
        <section class="card">
            <h2>{move || t().sessions}</h2>
            <p class="muted">{move || t().sessions_hint}</p>
            <ActionForm action=others attr:class="form">
                <FormMessage error=others_error />
                {move || others.value().get().and_then(Result::ok).map(|n| view! { <p class="form-ok" role="status">{(t().signed_out)(n)}</p> })}
                <div class="form-actions"><button type="submit" class="button" data-testid="sign-out-others">{move || t().sign_out_others}</button></div>
            </ActionForm>
        </section>
    }
}
