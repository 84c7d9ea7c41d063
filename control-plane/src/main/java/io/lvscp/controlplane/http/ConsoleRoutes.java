package io.lvscp.controlplane.http;

import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The web console: static files from the jar (webroot/ui), served under a strict Content-Security-Policy. The console
 * is a client of the public API like any other and gets no route of its own beyond its files.
 */
final class ConsoleRoutes {
    /**
     * Only the console's own files run, style and connect: no inline script or style (an injected one would not run),
     * no other origin (no CDN, no fonts from elsewhere), and no framing (clickjacking of the operator's buttons).
     */
    static final String CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
            + "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private ConsoleRoutes() {}

    static void mount(Router router) {
        // Vert.x matches "/ui" for "/ui/" too: only the bare path is sent on to the directory (whose relative links need the slash).
        router.get("/ui").handler(ctx -> {
            if (ctx.request().path().equals("/ui")) ctx.redirect("/ui/");
            else ctx.next();
        });
        router.route("/ui/*").handler(ctx -> {
            ctx.response().putHeader("Content-Security-Policy", CSP)
                    .putHeader("X-Content-Type-Options", "nosniff")
                    .putHeader("Referrer-Policy", "no-referrer")
                    .putHeader("X-Frame-Options", "DENY");
            ctx.next();
        });
        // StaticHandler reads through Vert.x's asynchronous file system (classpath resources included): no event loop
        // blocks on a file. No caching headers: the files are a few kilobytes, and a console upgraded with the control
        // plane must not run yesterday's scripts against today's API.
        router.route("/ui/*").handler(StaticHandler.create("webroot/ui").setCachingEnabled(false)
                .setDefaultContentEncoding("UTF-8").setDirectoryListing(false).setIncludeHidden(false));
    }
}
