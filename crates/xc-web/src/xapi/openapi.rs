//! The `/xapi/` resources in the OpenAPI document, for discovery: their contract is the xAPI
//! specification (Communication part), which these entries name rather than restate; every
//! resource takes the 1.0.x alternate request syntax too, which OpenAPI cannot describe.

use utoipa::openapi::OpenApi;
use utoipa::openapi::path::{HttpMethod, OperationBuilder};
use utoipa::openapi::response::Response;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};

/// The security scheme of LRS clients.
const SCHEME: &str = "lrs_basic";

/// One entry per resource and method: (path, methods, summary, what it answers).
const ENTRIES: &[(&str, &[HttpMethod], &str, &str)] = &[
    (
        "/xapi/statements",
        &[HttpMethod::Put],
        "Store one statement under statementId (Communication 2.1.1)",
        "204; 409 when the id holds other content; application/json or multipart/mixed with attachments",
    ),
    (
        "/xapi/statements",
        &[HttpMethod::Post],
        "Store one statement or a batch (Communication 2.1.2)",
        "200 with the ids; nothing is stored when one statement is refused",
    ),
    (
        "/xapi/statements",
        &[HttpMethod::Get, HttpMethod::Head],
        "One statement (statementId, voidedStatementId) or a page of them (Communication 2.1.3)",
        "200 with a statement or {statements, more}; multipart/mixed with attachments=true; X-Experience-API-Consistent-Through",
    ),
    (
        "/xapi/activities/state",
        &[
            HttpMethod::Get,
            HttpMethod::Put,
            HttpMethod::Post,
            HttpMethod::Delete,
        ],
        "State documents by activityId, agent, registration and stateId (Communication 2.3)",
        "a document with ETag, or its ids; 204 on writes; 412 / 409 on preconditions",
    ),
    (
        "/xapi/activities/profile",
        &[
            HttpMethod::Get,
            HttpMethod::Put,
            HttpMethod::Post,
            HttpMethod::Delete,
        ],
        "Activity Profile documents by activityId and profileId (Communication 2.7)",
        "a document with ETag, or its ids; 204 on writes; 412 / 409 on preconditions",
    ),
    (
        "/xapi/agents/profile",
        &[
            HttpMethod::Get,
            HttpMethod::Put,
            HttpMethod::Post,
            HttpMethod::Delete,
        ],
        "Agent Profile documents by agent and profileId (Communication 2.6)",
        "a document with ETag, or its ids; 204 on writes; 412 / 409 on preconditions",
    ),
    (
        "/xapi/activities",
        &[HttpMethod::Get, HttpMethod::Head],
        "The canonical definition of an activity (Communication 2.5)",
        "200 with an Activity object",
    ),
    (
        "/xapi/agents",
        &[HttpMethod::Get, HttpMethod::Head],
        "The Person object of an agent (Communication 2.4)",
        "200 with a Person object",
    ),
];

/// Adds the `/xapi/` entries and the Basic security scheme to `openapi`.
pub(crate) fn document(openapi: &mut OpenApi) {
    let components = openapi.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        SCHEME,
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Basic)
                .description(Some(
                    "An LRS client's key and secret (xuecheng lrs-client create, or /bank/lrs-clients)",
                ))
                .build(),
        ),
    );
    let common = "Send X-Experience-API-Version (1.0.x or 2.0.x). Refusals are 400, 401, 403, \
                  404, 409, 412 or 413 with {\"error\":{\"code\",\"message\",\"field\"}}, \
                  `field` naming where (actor.mbox, statementId, If-Match …).";
    for (path, methods, summary, answers) in ENTRIES {
        let operation = OperationBuilder::new()
            .tag("xapi")
            .summary(Some(*summary))
            .description(Some(format!("{answers}. {common}")))
            .security(SecurityRequirement::new(SCHEME, Vec::<String>::new()))
            .response("200", Response::new(*answers))
            .build();
        openapi
            .paths
            .add_path_operation(*path, methods.to_vec(), operation);
    }
    let about = OperationBuilder::new()
        .tag("xapi")
        .summary(Some(
            "The xAPI versions this LRS serves (Communication 2.8)",
        ))
        .description(Some("No credentials and no version header needed."))
        .response("200", Response::new("{version: [...], extensions: {}}"))
        .build();
    openapi
        .paths
        .add_path_operation("/xapi/about", vec![HttpMethod::Get], about);
}
