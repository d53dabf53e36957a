//! One conformance suite per port, written once over the trait and run against every
//! adapter (see `shared/tests/`), so the embedded backends and AWS cannot drift apart.
//! Each check panics with a message naming what disagreed.
pub mod blob;
pub mod static_site;
pub mod store;

/// Expands to one `#[tokio::test]` per named check of the suite module `$suite` (bring it
/// into scope with `use`), each on a fresh backend from the future `$make`.
#[macro_export]
macro_rules! conformance_tests {
    ($suite:ident, $make:expr, [$($check:ident),* $(,)?]) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $check() {
                let backend = $make.await;
                $suite::$check(&*backend).await;
            }
        )*
    };
}

/// Every store check, on backends from `$make`: one list, so no adapter skips one.
#[macro_export]
macro_rules! store_conformance_tests {
    ($make:expr) => {
        mod store {
            use super::*;
            use tokiflow_shared::conformance::store as suite;
            tokiflow_shared::conformance_tests!(
                suite,
                $make,
                [
                    monitor_round_trips_by_id_and_token,
                    create_monitor_refuses_duplicates,
                    update_monitor_is_conditional_on_version,
                    token_rotation_moves_the_lookup,
                    commit_ping_writes_monitor_run_and_incidents,
                    stale_commit_writes_nothing,
                    commit_check_opens_missed_once,
                    racing_commits_exactly_one_wins,
                    runs_page_newest_first,
                    incidents_of_monitor_newest_first,
                    incident_changes_are_recorded_as_events,
                    deliveries_are_claimed_once_and_logged,
                    orgs_users_and_api_keys,
                    dependencies_maintenance_and_channels,
                    status_pages_by_slug_and_domain,
                    status_incidents_and_page_maintenance,
                    status_pages_of_org_and_subscribers,
                    sweep_finds_and_deletes_only_what_aged_out,
                    delete_monitor_is_conditional_and_frees_the_token,
                    update_incident_is_conditional_on_status,
                    users_and_org_update_and_delete,
                    config_items_delete_idempotently,
                    config_items_are_found_by_id_within_their_org,
                    commit_probe_is_conditional_on_version,
                    probe_checks_page_newest_first_with_filters,
                    commit_probe_records_incidents_and_events,
                    downtime_windows_keep_annotations_across_commits,
                    debug_sessions_round_trip_newest_first,
                    rollups_add_up_by_day,
                    probe_sweeps_delete_only_what_aged_out,
                ]
            );
        }
    };
}

/// Every blob check, on backends from `$make`.
#[macro_export]
macro_rules! blob_conformance_tests {
    ($make:expr) => {
        mod blob {
            use super::*;
            use tokiflow_shared::conformance::blob as suite;
            tokiflow_shared::conformance_tests!(
                suite,
                $make,
                [
                    put_get_round_trip,
                    missing_is_none,
                    put_overwrites,
                    delete_is_idempotent,
                    empty_body,
                    download_url_names_the_blob,
                ]
            );
        }
    };
}

/// Every static site check, on backends from `$make`.
#[macro_export]
macro_rules! static_site_conformance_tests {
    ($make:expr) => {
        mod static_site {
            use super::*;
            use tokiflow_shared::conformance::static_site as suite;
            tokiflow_shared::conformance_tests!(
                suite,
                $make,
                [put_then_etag_names_the_body, delete_under_removes_only_that_prefix]
            );
        }
    };
}
