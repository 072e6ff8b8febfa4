//! Templates: CRUD, PATCH semantics, rendering, isolation.

use serde_json::{json, Value};

use crate::helpers::spawn_app;

#[tokio::test]
async fn templates_are_created_listed_edited_rendered_and_deleted() {
    let app = spawn_app().await;
    let pair = app.signed_up("ada@example.com").await;
    let t = &pair.access_token;
    let res = app
        .post_bearer(
            "/api/v1/templates",
            t,
            &json!({"name": "Launch", "content": "New: {{product.title}} at ${{ product.price }}!", "hashtags": ["#new", "{{product.brand}}"], "platforms": ["instagram", "facebook"]}),
        )
        .await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.unwrap();
    assert_eq!(created["hashtags"], json!(["new", "{{product.brand}}"]));
    assert_eq!(created["platforms"], json!(["instagram", "facebook"]));
    let id = created["id"].as_str().unwrap();

    let rendered: Value = app
        .post_bearer(
            &format!("/api/v1/templates/{id}/render"),
            t,
            &json!({"product_data": {"title": "Linen Dress", "price": 59, "brand": "Sun Wear"}}),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(rendered["content"], "New: Linen Dress at $59!");
    assert_eq!(rendered["hashtags"], json!(["new", "SunWear"]));

    let res = app
        .patch_bearer(
            &format!("/api/v1/templates/{id}"),
            t,
            &json!({"name": "Launch v2", "platforms": null}),
        )
        .await;
    assert_eq!(res.status(), 200);
    let edited: Value = res.json().await.unwrap();
    assert_eq!(edited["name"], "Launch v2");
    assert_eq!(edited["platforms"], json!([]));
    assert_eq!(edited["content"], created["content"]);
    for bad in [
        json!({"name": null}),
        json!({"name": "  "}),
        json!({"platforms": ["myspace"]}),
        json!({"color": "red"}),
    ] {
        assert_eq!(
            app.patch_bearer(&format!("/api/v1/templates/{id}"), t, &bad)
                .await
                .status(),
            422,
            "{bad}"
        );
    }

    let list: Value = app
        .get_bearer("/api/v1/templates", t)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 1);
    assert_eq!(
        app.delete_bearer(&format!("/api/v1/templates/{id}"), t)
            .await
            .status(),
        204
    );
    assert_eq!(
        app.get_bearer(&format!("/api/v1/templates/{id}"), t)
            .await
            .status(),
        404
    );
}

#[tokio::test]
async fn template_input_is_validated_and_isolated() {
    let app = spawn_app().await;
    let ada = app.signed_up("ada@example.com").await;
    let bob = app.signed_up("bob@example.com").await;
    for bad in [
        json!({"name": "", "content": "x"}),
        json!({"name": "x", "content": " "}),
        json!({"name": "x", "content": "y", "platforms": ["fax"]}),
        json!({"name": "x", "content": "y", "hashtags": ["two words"]}),
    ] {
        assert_eq!(
            app.post_bearer("/api/v1/templates", &ada.access_token, &bad)
                .await
                .status(),
            422,
            "{bad}"
        );
    }
    let created: Value = app
        .post_bearer(
            "/api/v1/templates",
            &ada.access_token,
            &json!({"name": "Mine", "content": "x"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let b = &bob.access_token;
    assert_eq!(
        app.get_bearer(&format!("/api/v1/templates/{id}"), b)
            .await
            .status(),
        404
    );
    assert_eq!(
        app.patch_bearer(&format!("/api/v1/templates/{id}"), b, &json!({"name": "x"}))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.delete_bearer(&format!("/api/v1/templates/{id}"), b)
            .await
            .status(),
        404
    );
    let render = app
        .post_bearer(
            &format!("/api/v1/templates/{id}/render"),
            b,
            &json!({"product_data": {}}),
        )
        .await;
    assert_eq!(render.status(), 404);
    let not_object = app
        .post_bearer(
            &format!("/api/v1/templates/{id}/render"),
            &ada.access_token,
            &json!({"product_data": [1]}),
        )
        .await;
    assert_eq!(not_object.status(), 422);
}
