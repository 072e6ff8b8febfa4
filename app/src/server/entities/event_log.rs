use sea_orm::entity::prelude::*;

use crate::model::{EventKind, EventLevel, LogEntry};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event_log")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub kind: EventKind,
    pub level: EventLevel,
    pub user_id: Option<Uuid>,
    pub post_id: Option<Uuid>,
    #[sea_orm(column_type = "Text")]
    pub message: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub data: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn entry(self) -> LogEntry {
        LogEntry {
            id: self.id,
            at: self.at,
            kind: self.kind,
            level: self.level,
            user_id: self.user_id,
            post_id: self.post_id,
            message: self.message,
            data: self.data,
        }
    }
}
