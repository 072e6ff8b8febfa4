use sea_orm::entity::prelude::*;

use crate::model::PostMetricsView;
use crate::server::engagement::engagement_rate;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "post_metrics")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub post_id: Uuid,
    pub impressions: i64,
    pub reach: i64,
    pub likes: i64,
    pub comments: i64,
    pub shares: i64,
    pub clicks: i64,
    pub fetched_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    pub fn view(&self) -> PostMetricsView {
        PostMetricsView {
            impressions: self.impressions,
            reach: self.reach,
            likes: self.likes,
            comments: self.comments,
            shares: self.shares,
            clicks: self.clicks,
            engagement_rate: engagement_rate(
                self.likes + self.comments + self.shares + self.clicks,
                self.impressions,
            ),
            fetched_at: self.fetched_at,
        }
    }
}
