use sea_orm::entity::prelude::*;

/// One running instance's scheduler, as of its last tick (`services::system` writes it).
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "scheduler_instances")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub instance: String,
    pub version: String,
    pub started_at: DateTimeUtc,
    pub last_tick_at: DateTimeUtc,
    /// How long the last tick took.
    pub last_tick_ms: i64,
    /// Why the last tick failed; none when it succeeded.
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
