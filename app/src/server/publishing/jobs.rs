//! The background jobs `serve` runs (unless `scheduler.enabled = false`): publishing every
//! tick, metrics and token renewal on their cron schedules. tokio-cron-scheduler needs the
//! multi-threaded tokio runtime: on a current-thread one its jobs never fire. Every tick also
//! records this instance's health (`health::record_tick`) for the admin's system page.

use std::sync::Arc;

use tokio_cron_scheduler::{Job, JobScheduler, JobSchedulerError};

use super::engine::Engine;
use super::health;
use crate::server::config::SchedulerSettings;

pub async fn start(
    engine: Arc<Engine>,
    settings: &SchedulerSettings,
) -> Result<JobScheduler, JobSchedulerError> {
    health::process_started();
    let scheduler = JobScheduler::new().await?;

    let publisher = engine.clone();
    scheduler
        .add(Job::new_async(
            settings.publish_cron.as_str(),
            move |_, _| {
                let engine = publisher.clone();
                Box::pin(async move {
                    let started = std::time::Instant::now();
                    let error = match engine.tick().await {
                        Ok(report) => {
                            if report.claimed > 0 {
                                tracing::info!(?report, "publishing tick");
                            }
                            None
                        }
                        Err(err) => {
                            tracing::error!(error = %err, "publishing tick failed");
                            Some(err.to_string())
                        }
                    };
                    // The system page's view of this instance (see `health`).
                    if let Err(err) =
                        health::record_tick(&engine.db, engine.instance(), started.elapsed(), error)
                            .await
                    {
                        tracing::warn!(error = %err, "could not record the scheduler's tick");
                    }
                })
            },
        )?)
        .await?;

    let metrics = engine.clone();
    scheduler
        .add(Job::new_async(
            settings.metrics_cron.as_str(),
            move |_, _| {
                let engine = metrics.clone();
                Box::pin(async move {
                    match engine.refresh_metrics().await {
                        Ok(count) => tracing::info!(count, "metrics refreshed"),
                        Err(err) => tracing::error!(error = %err, "metrics refresh failed"),
                    }
                })
            },
        )?)
        .await?;

    let tokens = engine.clone();
    scheduler
        .add(Job::new_async(
            settings.token_refresh_cron.as_str(),
            move |_, _| {
                let engine = tokens.clone();
                Box::pin(async move {
                    match engine.refresh_tokens().await {
                        Ok(count) if count > 0 => tracing::info!(count, "tokens renewed"),
                        Ok(_) => {}
                        Err(err) => tracing::error!(error = %err, "token renewal failed"),
                    }
                })
            },
        )?)
        .await?;

    scheduler.start().await?;
    tracing::info!(instance = engine.instance(), "publishing engine started");
    Ok(scheduler)
}
