//! The one list of routes: every module registers its routes through [`Routes`], which builds
//! the axum router and records each (method, path pattern) on the way. axum cannot list a
//! router's routes; the authorisation matrix test needs them all, so a route cannot exist
//! without appearing in `hoctap_web::route_table`.

use crate::AppState;
use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::MethodRouter;

/// The handlers of one path, with the methods they answer.
pub struct Methods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

macro_rules! method {
    ($name:ident, $method:ident) => {
        /// A path answered by this handler for the method.
        pub fn $name<H: Handler<T, AppState>, T: 'static>(handler: H) -> Methods {
            Methods { router: axum::routing::$name(handler), methods: vec![Method::$method] }
        }

        impl Methods {
            /// Adds the handler for the method.
            pub fn $name<H: Handler<T, AppState>, T: 'static>(mut self, handler: H) -> Methods {
                self.router = self.router.$name(handler);
                self.methods.push(Method::$method);
                self
            }
        }
    };
}

method!(get, GET);
method!(post, POST);
method!(put, PUT);
method!(patch, PATCH);
method!(delete, DELETE);

/// A router that remembers its routes.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<(Method, String)>,
}

impl Routes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &str, methods: Methods) -> Self {
        self.table.extend(methods.methods.into_iter().map(|m| (m, path.to_string())));
        self.router = self.router.route(path, methods.router);
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.table.extend(other.table);
        self.router = self.router.merge(other.router);
        self
    }

    pub fn nest(mut self, prefix: &str, other: Routes) -> Self {
        self.table.extend(other.table.into_iter().map(|(m, p)| (m, format!("{prefix}{p}"))));
        self.router = self.router.nest(prefix, other.router);
        self
    }

    /// Every (method, path pattern) registered, in registration order.
    pub fn table(&self) -> &[(Method, String)] {
        &self.table
    }

    pub fn into_router(self) -> Router<AppState> {
        self.router
    }
}
