use sea_orm::entity::prelude::*;

/// An upload in progress (see the `media` service): `received` bytes of `byte_size` are in
/// the store's staging area, one object per piece.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "media_uploads")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub filename: String,
    /// What the client said the file weighs; the upload completes at exactly this.
    pub byte_size: i64,
    pub received: i64,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
