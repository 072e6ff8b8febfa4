//! The one account lookup of the engine: the accounts a batch posts to (read once), and an
//! account's credentials, decrypted for the call at hand only.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::adapter::AccountAuth;
use super::engine::Engine;
use crate::server::entities::{post, social_account};

impl Engine {
    /// The accounts a batch posts to, read once for the whole batch.
    pub(super) async fn accounts_of(
        &self,
        posts: &[post::Model],
    ) -> Result<HashMap<Uuid, social_account::Model>, DbErr> {
        let ids: HashSet<Uuid> = posts.iter().map(|p| p.account_id).collect();
        if ids.is_empty() {
            return Ok(HashMap::new());
        }
        Ok(social_account::Entity::find()
            .filter(social_account::Column::Id.is_in(ids))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect())
    }

    pub(super) fn auth_for(&self, account: &social_account::Model) -> Result<AccountAuth, String> {
        let open = |sealed: &Option<String>| -> Result<Option<String>, String> {
            sealed
                .as_deref()
                .map(|s| self.vault.open(s))
                .transpose()
                .map_err(|e| {
                    format!(
                        "{} account {}: {e}; reconnect it",
                        account.platform.label(),
                        account.account_name
                    )
                })
        };
        Ok(AccountAuth {
            account_id: account.id,
            platform: account.platform,
            external_id: account.account_id_external.clone(),
            access_token: open(&account.access_token_enc)?.unwrap_or_default(),
            refresh_token: open(&account.refresh_token_enc)?,
        })
    }
}
