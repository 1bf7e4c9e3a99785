//! Server functions for signing in and out and the user's preferences.
use super::CurrentUser;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub use server::client_address;

#[cfg(feature = "ssr")]
mod server {
    use crate::i18n::LOCALE_COOKIE;
    use crate::state::AppState;

    /// The client's address for throttling. `X-Forwarded-For` is trusted only when configured,
    /// otherwise anyone could pick a fresh address per attempt.
    pub async fn client_address(state: &AppState) -> String {
        if state.settings.trust_proxy {
            if let Ok(headers) = leptos_axum::extract::<http::HeaderMap>().await {
                let forwarded = headers
                    .get("x-forwarded-for")
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| v.split(',').next())
                    .map(|v| v.trim().to_string());
                if let Some(address) = forwarded.filter(|a| !a.is_empty()) {
                    return address;
                }
            }
        }
        leptos_axum::extract::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
            .await
            .map(|info| info.0.ip().to_string())
            .unwrap_or_else(|_| "unknown".to_string())
    }

    /// The language cookie is readable by scripts on purpose: it holds no secret.
    pub fn set_locale_cookie(state: &AppState, tag: &str) {
        let secure = if state.settings.secure_cookies {
            "; Secure"
        } else {
            ""
        };
        let cookie =
            format!("{LOCALE_COOKIE}={tag}; Path=/; Max-Age=31536000; SameSite=Lax{secure}");
        if let (Some(response), Ok(value)) = (
            use_context::<leptos_axum::ResponseOptions>(),
            http::HeaderValue::from_str(&cookie),
        ) {
            response.append_header(http::header::SET_COOKIE, value);
        }
    }

    use leptos::prelude::use_context;
}

#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<(), AppError> {
    use super::service;
    let state = crate::state::app_state()?;
    let mut auth = service::auth_session().await?;
    let address = server::client_address(&state).await;
    let user = service::sign_in(&mut auth, &state.db, &username, password, &address).await?;
    server::set_locale_cookie(
        &state,
        crate::domain::format::Locale::from_tag(&user.locale).tag(),
    );
    leptos_axum::redirect("/dashboard");
    Ok(())
}

#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let mut auth = super::service::auth_session().await?;
    auth.logout().await.map_err(|error| {
        tracing::error!(%error, "logout failed");
        AppError::Internal
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}

#[server(endpoint = "me")]
pub async fn fetch_current_user() -> Result<Option<CurrentUser>, AppError> {
    let state = crate::state::app_state()?;
    match super::service::auth_session().await?.user {
        Some(user) => Ok(Some(
            super::service::current_user_view(&state, &user.0).await?,
        )),
        None => Ok(None),
    }
}

/// True on a fresh installation, so the sign-in page can explain how to create the first admin.
#[server(endpoint = "first_run")]
pub async fn is_first_run() -> Result<bool, AppError> {
    let state = crate::state::app_state()?;
    Ok(!super::service::has_any_user(&state.db).await?)
}

/// Switches the language; remembered for the signed-in user, and in a cookie for the sign-in page.
#[server(endpoint = "set_locale")]
pub async fn set_locale(locale: String) -> Result<(), AppError> {
    use crate::domain::format::Locale;
    use crate::entities::user;
    use sea_orm::{ActiveModelTrait, ActiveValue::Set, IntoActiveModel};
    let state = crate::state::app_state()?;
    let tag = Locale::from_tag(&locale).tag();
    if let Some(signed_in) = super::service::auth_session().await?.user {
        let mut row: user::ActiveModel = signed_in.0.into_active_model();
        row.locale = Set(tag.to_string());
        row.update(&state.db).await?;
    }
    server::set_locale_cookie(&state, tag);
    Ok(())
}
