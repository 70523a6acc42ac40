//! The registry client's authentication: the `Authorization` a request
//! carries for a scope (Basic, or a cached Bearer token), the answer to a
//! `401` challenge (fetch a token from the realm it names, for the scope
//! hoist needs) and the refresh of a token the registry stopped taking.

use super::*;

impl Client {
    /// The Authorization header for `scope`, if one is known.
    pub(super) fn auth_header(&self, scope: &str) -> Option<String> {
        let state = self.state.lock().ok()?;
        match &state.scheme {
            Scheme::Basic => self.creds.as_ref().and_then(|c| c.basic_header()),
            Scheme::Bearer => state
                .tokens
                .get(scope)
                .filter(|t| t.expires.is_none_or(|e| Instant::now() < e))
                .map(|t| format!("Bearer {}", t.value)),
            Scheme::Unknown | Scheme::Anonymous => None,
        }
    }

    /// Handle a 401: learn the scheme and, for Bearer, fetch a token.
    /// Returns false when there is nothing more to try.
    pub(super) async fn authenticate(&self, resp: &Response, scope: &str) -> anyhow::Result<bool> {
        let challenge = resp
            .headers()
            .get_all(reqwest::header::WWW_AUTHENTICATE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(parse_challenge)
            .max_by_key(|c| matches!(c, Challenge::Bearer { .. }));
        match challenge {
            Some(Challenge::Basic) => {
                if self.creds.as_ref().and_then(|c| c.basic_header()).is_none() {
                    return Ok(false);
                }
                let mut st = self
                    .state
                    .lock()
                    .map_err(|_| anyhow::anyhow!("auth state poisoned"))?;
                if matches!(st.scheme, Scheme::Basic) {
                    return Ok(false);
                }
                st.scheme = Scheme::Basic;
                Ok(true)
            }
            Some(Challenge::Bearer { realm, service, .. }) => {
                // A token we hold for this scope was refused (it expired or
                // was revoked): drop it and ask for a new one. Callers bound
                // how often this happens per request.
                self.state
                    .lock()
                    .map_err(|_| anyhow::anyhow!("auth state poisoned"))?
                    .tokens
                    .remove(scope);
                let (value, life) = self.fetch_token(&realm, service.as_deref(), scope).await?;
                // Renew a little early, so a token does not lapse in flight.
                let expires =
                    life.map(|l| Instant::now() + l - (l / 10).min(Duration::from_secs(30)));
                let mut st = self
                    .state
                    .lock()
                    .map_err(|_| anyhow::anyhow!("auth state poisoned"))?;
                st.scheme = Scheme::Bearer;
                st.tokens
                    .insert(scope.to_string(), Token { value, expires });
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// After a 401 to a request that carried `sent`: whether to try again,
    /// because another request renewed the credentials meanwhile or a
    /// challenge was answered ([`Self::authenticate`]).
    pub(super) async fn reauth(
        &self,
        resp: &Response,
        scope: &str,
        sent: &Option<String>,
    ) -> anyhow::Result<bool> {
        let now = self.auth_header(scope);
        if now.is_some() && now != *sent {
            return Ok(true);
        }
        self.authenticate(resp, scope).await
    }

    /// The Bearer token flow: ask the realm for a token for `scope`; also
    /// returns its lifetime when the server gave `expires_in`.
    pub(super) async fn fetch_token(
        &self,
        realm: &str,
        service: Option<&str>,
        scope: &str,
    ) -> anyhow::Result<(String, Option<Duration>)> {
        let scopes: Vec<&str> = scope.split(' ').filter(|s| !s.is_empty()).collect();
        let req = match self.creds.as_ref().map(|c| &c.credential) {
            Some(Credential::IdentityToken(t)) => {
                let mut form = vec![
                    ("grant_type", "refresh_token".to_string()),
                    ("refresh_token", t.expose().to_string()),
                    ("client_id", "hoist".to_string()),
                ];
                if let Some(s) = service {
                    form.push(("service", s.to_string()));
                }
                form.push(("scope", scopes.join(" ")));
                let body = form
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                self.http
                    .post(realm)
                    .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(body)
            }
            _ => {
                let mut query: Vec<(&str, &str)> = Vec::new();
                if let Some(s) = service {
                    query.push(("service", s));
                }
                for s in &scopes {
                    query.push(("scope", s));
                }
                let q = query
                    .iter()
                    .map(|(k, v)| format!("{k}={}", urlencode(v)))
                    .collect::<Vec<_>>()
                    .join("&");
                let sep = if realm.contains('?') { '&' } else { '?' };
                let mut r = self.http.get(format!("{realm}{sep}{q}"));
                if let Some(h) = self.creds.as_ref().and_then(|c| c.basic_header()) {
                    r = r.header(AUTHORIZATION, h);
                }
                r
            }
        };
        let resp = req
            .timeout(Duration::from_secs(60))
            .send()
            .await
            .map_err(|e| self.unreachable(&e))?;
        let status = resp.status();
        if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
            return Err(self.unauthorized("a token", status));
        }
        if !status.is_success() {
            anyhow::bail!(
                "the token server of {} answered HTTP {}",
                self.registry,
                status.as_u16()
            );
        }
        let body = resp.bytes().await.map_err(|e| self.unreachable(&e))?;
        let doc: serde_json::Value = serde_json::from_slice(&body)
            .with_context(|| format!("the token server of {} sent no JSON", self.registry))?;
        let token = doc
            .get("token")
            .or_else(|| doc.get("access_token"))
            .and_then(|t| t.as_str())
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .with_context(|| format!("the token server of {} sent no token", self.registry))?;
        let life = doc
            .get("expires_in")
            .and_then(|v| v.as_u64())
            .filter(|s| *s > 0)
            .map(Duration::from_secs);
        Ok((token, life))
    }

    /// The Authorization header for a request to `url`: none when `url`
    /// is not on the registry's host.
    pub(super) fn auth_for(&self, url: &str, scope: &str) -> Option<String> {
        reqwest::Url::parse(url)
            .ok()
            .filter(|u| self.is_registry_url(u))
            .and_then(|_| self.auth_header(scope))
    }
}
