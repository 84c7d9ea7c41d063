package io.lvscp.agent.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.lvscp.controlplane.support.Api;
import io.lvscp.agent.AgentRuntime;
import io.lvscp.agent.config.AgentConfig;
import io.lvscp.agent.dataplane.RecordingDriver;
import io.lvscp.agent.exec.ProcessRunner;
import io.lvscp.controlplane.support.RunningControlPlane;
import io.lvscp.controlplane.support.Seeds;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AfterTestExecutionCallback;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The web console in a real browser: Debian's chromium, headless, driven through its chromedriver, against a real
 * control plane on embedded PostgreSQL and a real agent with the recording driver as router lvs1, whose applied
 * revision the page follows (lvs2 stays unconnected). A missing browser fails the test: a console nobody ran in a
 * browser is untested.
 */
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    /** Screenshots: the README's, and one of every failure. */
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final Duration WAIT = Duration.ofSeconds(20);

    static RunningControlPlane cp;
    static Path agentState;
    static AgentRuntime agent;

    WebDriver driver;
    WebDriverWait wait;
    /** Browser log lines a test provokes on purpose (the network error Chromium logs for a 401, say). */
    final List<String> expectedErrors = new ArrayList<>();

    @RegisterExtension
    final AfterTestExecutionCallback screenshotOnFailure = ctx -> {
        if (ctx.getExecutionException().isPresent() && driver != null) shoot("failed-" + ctx.getRequiredTestMethod().getName());
    };

    @BeforeAll
    static void start() throws IOException {
        for (Path p : List.of(CHROMIUM, CHROMEDRIVER)) {
            if (!Files.isExecutable(p)) {
                throw new AssertionError(p + " is missing: the console's test needs Debian's chromium and chromium-driver "
                        + "(apt-get install chromium chromium-driver; .ci/run installs them)");
            }
        }
        Files.createDirectories(SHOTS);
        try (var old = Files.list(SHOTS)) {
            for (Path p : old.filter(p -> p.getFileName().toString().startsWith("failed-")).toList()) Files.delete(p);
        }
        cp = RunningControlPlane.onNewDatabase();
        Seeds.seedCluster(cp, "web");
        Seeds.createRealServer(cp, "web", "http", "rs3", "10.11.12.3", 2);
        Api.given(cp).body("{\"name\": \"lvs1\", \"publicAddress\": \"192.168.26.8\", \"privateAddress\": \"10.11.12.8\", \"rolePreference\": \"primary\"}")
                .post("/v1/clusters/{c}/routers", "web").then().statusCode(201);
        Api.given(cp).body("{\"name\": \"lvs2\", \"publicAddress\": \"192.168.26.9\", \"privateAddress\": \"10.11.12.9\"}")
                .post("/v1/clusters/{c}/routers", "web").then().statusCode(201);
        Seeds.seedCluster(cp, "mail");
        agentState = Files.createTempDirectory("lvscp-console-agent");
        startAgent();
    }

    /** Router lvs1's agent, with the recording driver (it programs no kernel, so it checks and announces nothing). */
    static void startAgent() {
        try {
            AgentConfig config = new AgentConfig(cp.baseUrl(), "web", "lvs1", "recording", agentState.toString(), Map.of(), null, -1,
                    "127.0.0.1", 0.5, 0.5).withDefaults().withToken(cp.agentToken("web", "lvs1"));
            agent = AgentRuntime.start(config, ProcessRunner.local(), new RecordingDriver());
        } catch (Exception e) {
            throw new IllegalStateException("the agent did not start", e);
        }
        caughtUp();
    }

    static void stopAgent() throws Exception {
        agent.close();
        agent = null;
    }

    /** Until lvs1 has applied the cluster's current revision, as the API reports it. */
    static void caughtUp() {
        long want = Seeds.revision(cp, "web");
        org.awaitility.Awaitility.await("lvs1 applies revision " + want).atMost(WAIT).untilAsserted(() ->
                Api.given(cp).get("/v1/clusters/web/routers/lvs1").then().body("status.appliedRevision", org.hamcrest.Matchers.equalTo((int) want)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (agent != null) agent.close();
        if (cp != null) cp.close();
    }

    @BeforeEach
    void browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        // Root in a container has no sandbox; the rest keeps Chromium from calling anywhere but the control plane.
        options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1366,860",
                "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-default-apps", "--lang=en-GB");
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        // A driver service of its own per browser: quitting a browser stops its service.
        driver = new ChromeDriver(new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build(), options);
        wait = new WebDriverWait(driver, WAIT);
    }

    @AfterEach
    void noConsoleErrors() {
        if (driver == null) return;
        try {
            List<String> errors = new ArrayList<>();
            for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
                if (e.getLevel().intValue() < Level.WARNING.intValue()) continue;
                if (expectedErrors.stream().anyMatch(e.getMessage()::contains)) continue;
                errors.add(e.getLevel() + " " + e.getMessage());
            }
            assertEquals(List.of(), errors, "the browser's console");
        } finally {
            driver.quit();
        }
    }

    @Test
    void anOperatorDrainsARealServerAndWatchesTheRouterCatchUp() throws Exception {
        String token = cp.token("olga", "operator");
        caughtUp();
        long before = Seeds.revision(cp, "web");
        logIn(token);

        WebElement card = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("section[data-cluster='web']")));
        waitText(By.cssSelector("section[data-cluster='web'] tr[data-router='lvs1'] .applied"), before + " / " + before);
        assertTrue(card.findElement(By.cssSelector("tr[data-router='lvs2']")).getText().contains("not connected"));
        waitText(By.cssSelector("section[data-cluster='web'] [data-count='drained']"), "0 drained");
        shoot("overview");

        driver.findElement(By.linkText("web")).click();
        By rs1 = By.cssSelector("tr[data-rs='http/rs1']");
        wait.until(ExpectedConditions.visibilityOfElementLocated(rs1)).findElement(By.cssSelector("button[data-action='drain']")).click();
        WebElement reason = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dlg-reason")));
        assertEquals(reason, driver.switchTo().activeElement(), "the dialog takes the keyboard focus");
        assertEveryControlLabelled();
        // The router is away (its agent stopped) while the change is made: the page shows it behind, then catching up.
        stopAgent();
        reason.sendKeys("kernel upgrade on rs1");
        reason.sendKeys(Keys.ENTER);

        waitText(By.cssSelector("tr[data-rs='http/rs1'] .state"), "drained");
        long after = before + 1;
        // The router has not applied the new revision yet: the page says so, and keeps looking.
        waitText(By.cssSelector("tr[data-router='lvs1'] .applied"), before + " / " + after);
        waitText(By.cssSelector("tr[data-router='lvs1'] .drift"), "1 behind");
        startAgent();
        waitText(By.cssSelector("tr[data-router='lvs1'] .applied"), after + " / " + after);
        waitText(By.cssSelector("tr[data-router='lvs1'] .drift"), "in step");
        Files.copy(shoot("console"), SHOTS.resolve("console.png"), StandardCopyOption.REPLACE_EXISTING);

        // The audit log says who, when and why.
        driver.findElement(By.id("nav-audit")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("audit-type"))).sendKeys("RealServerDrained");
        driver.findElement(By.id("audit-actor")).sendKeys("olga");
        driver.findElement(By.cssSelector("#audit-form button[type='submit']")).click();
        WebElement row = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#audit-table tr[data-type='RealServerDrained']")));
        assertEquals("olga", row.findElement(By.cssSelector(".actor")).getText());
        assertEquals("kernel upgrade on rs1", row.findElement(By.cssSelector(".reason")).getText());
        assertEquals(1, driver.findElements(By.cssSelector("#audit-table tbody tr")).size());
        assertEveryControlLabelled();

        // A refused action shows the API's problem: the page is stale, someone removed rs3 meanwhile.
        driver.findElement(By.id("nav-clusters")).click();
        wait.until(ExpectedConditions.elementToBeClickable(By.linkText("web"))).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-rs='http/rs3'] button[data-action='weight']"))).click();
        WebElement weight = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dlg-weight")));
        Api.given(cp).delete("/v1/clusters/web/virtual-servers/http/real-servers/rs3").then().statusCode(204);
        expectedErrors.add("real-servers/rs3/weight - Failed to load resource: the server responded with a status of 404");
        weight.clear();
        weight.sendKeys("5");
        driver.findElement(By.id("dlg-submit")).click();
        waitText(By.cssSelector("#dlg-message .problem"), "real server rs3 does not exist");
        caughtUp();
    }

    @Test
    void aViewerSeesNoWriteControls() {
        logIn(cp.token("vera", "viewer"));
        driver.get(cp.baseUrl() + "/ui/#/clusters/web");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("tr[data-rs='http/rs1']")));
        assertEquals(List.of(), driver.findElements(By.cssSelector("button[data-action]")));
        assertTrue(driver.findElement(By.id("cluster")).getText().contains("may look but not change"));
        driver.findElement(By.linkText("History and time travel")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("past-form")));
        assertEquals(List.of(), driver.findElements(By.id("rollback-form")));
        driver.findElement(By.linkText("Document")).click();
        WebElement doc = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("spec-doc")));
        wait.until(d -> doc.getAttribute("value").contains("\"virtualServers\""));
        assertEquals("true", doc.getAttribute("readonly"));
        assertEquals(List.of(), driver.findElements(By.id("spec-apply")));
    }

    @Test
    void aRevokedTokenReturnsToTheLogin() {
        String token = cp.token("rita", "operator");
        logIn(token);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("section[data-cluster='web']")));
        Api.given(cp).delete("/v1/tokens/{id}", token.substring(6, 22)).then().statusCode(200);
        expectedErrors.add("status of 401");
        driver.findElement(By.id("nav-audit")).click();
        waitText(By.id("login-message"), "Your session ended");
        assertEquals(null, ((JavascriptExecutor) driver).executeScript("return sessionStorage.getItem('lvscp.token')"), "the token is forgotten");
    }

    @Test
    void anExpiredTokenReturnsToTheLoginOnAPageLeftOpen() {
        // Long enough to log in and see the clusters on a busy machine (3 s was not, once); the page re-reads every
        // 10 s when nothing lags, so it notices the expiry within 10 s of it.
        String token = Api.given(cp).body("{\"name\": \"brief\", \"role\": \"viewer\", \"expiresAt\": \"" + OffsetDateTime.now().plusSeconds(12) + "\"}")
                .post("/v1/tokens").then().statusCode(201).extract().path("token");
        logIn(token);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("section[data-cluster='web']")));
        expectedErrors.add("status of 401");
        // Nothing is clicked: the page's own re-reading finds the token expired.
        new WebDriverWait(driver, Duration.ofSeconds(40)).withMessage("the login page saying the token expired")
                .until(ExpectedConditions.textToBePresentInElementLocated(By.id("login-message"), "expired"));
    }

    @Test
    void timeTravelShowsAnOldWeightAndARollbackIsPreviewedFirst() {
        String path = "/v1/clusters/web/virtual-servers/http/real-servers/rs2";
        int oldWeight = Api.given(cp).get(path).then().statusCode(200).extract().path("weight");
        long old = Seeds.revision(cp, "web");
        Api.given(cp).header("Lvscp-Reason", "more load on rs2").body("{\"weight\": 9}").put(path + "/weight").then().statusCode(200);
        Api.given(cp).post(path + "/drain").then().statusCode(200);
        logIn(RunningControlPlane.ADMIN_TOKEN);
        driver.get(cp.baseUrl() + "/ui/#/clusters/web/history");

        wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#revisions tr[data-revision='" + old + "']")));
        driver.findElement(By.id("past-revision")).sendKeys(Long.toString(old));
        driver.findElement(By.cssSelector("#past-form button")).click();
        waitText(By.id("past-revision-shown"), "at revision " + old);
        assertEquals(Integer.toString(oldWeight), driver.findElement(By.cssSelector("#past-table tr[data-rs='http/rs2'] .weight")).getText());

        driver.findElement(By.id("diff-from")).sendKeys(Long.toString(old));
        driver.findElement(By.cssSelector("#diff-form button")).click();
        waitText(By.id("diff"), "RealServerChanged");
        assertEveryControlLabelled();
        assertTrue(driver.findElement(By.id("diff")).getText().contains("\"weight\":9"));

        driver.findElement(By.id("rollback-revision")).sendKeys(Long.toString(old));
        driver.findElement(By.cssSelector("#rollback-form button")).click();
        List<WebElement> events = wait.until(ExpectedConditions.numberOfElementsToBeMoreThan(By.cssSelector("#rollback-events li"), 0));
        assertTrue(events.get(0).getText().contains("RealServerChanged") && events.get(0).getText().contains("\"weight\":" + oldWeight),
                events.get(0).getText());
        waitText(By.id("rollback-preview"), "would append " + events.size() + " events");
        assertEquals(9, (int) Api.given(cp).get(path).then().extract().path("weight"), "a preview changes nothing");
        driver.findElement(By.id("rollback-confirm")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("dlg-reason"))).sendKeys("back to before the test");
        driver.findElement(By.id("dlg-submit")).click();
        waitText(By.id("rollback-preview"), "Rolled back");
        assertEquals(oldWeight, (int) Api.given(cp).get(path).then().extract().path("weight"));
        assertEquals("active", Api.given(cp).get(path).then().extract().path("state"));
    }

    @Test
    void aDocumentWithAnInvalidFieldShowsTheErrorAtThatField() {
        logIn(RunningControlPlane.ADMIN_TOKEN);
        driver.get(cp.baseUrl() + "/ui/#/clusters/mail/spec");
        WebElement doc = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("spec-doc")));
        wait.until(d -> doc.getAttribute("value").contains("\"port\": 80"));
        String edited = doc.getAttribute("value").replaceFirst("\"port\": 80", "\"port\": 70000");
        ((JavascriptExecutor) driver).executeScript("arguments[0].value = arguments[1]", doc, edited);
        expectedErrors.add("status of 422");
        expectedErrors.add("status of 400");
        driver.findElement(By.id("spec-check")).click();
        WebElement error = wait.until(ExpectedConditions.visibilityOfElementLocated(By.cssSelector("#spec-errors li[data-pointer^='/virtualServers/0/port']")));
        int line = edited.substring(0, edited.indexOf("\"port\": 70000")).split("\n", -1).length;
        assertTrue(error.getText().startsWith("line " + line + ", "), error.getText());
        error.findElement(By.tagName("button")).click();
        Number caret = (Number) ((JavascriptExecutor) driver).executeScript("return document.getElementById('spec-doc').selectionStart");
        assertEquals(edited.indexOf("\"port\": 70000"), caret.intValue(), "the caret goes to the field");
        assertEquals(doc, driver.switchTo().activeElement());
    }

    @Test
    void theConsoleIsServedUnderAStrictContentSecurityPolicy() {
        io.restassured.response.Response r = io.restassured.RestAssured.get(cp.baseUrl() + "/ui/");
        assertEquals(200, r.statusCode());
        assertTrue(r.header("Content-Security-Policy").contains("default-src 'self'"));
        assertTrue(r.header("Content-Security-Policy").contains("frame-ancestors 'none'"));
        assertEquals("nosniff", r.header("X-Content-Type-Options"));
        assertTrue(r.contentType().startsWith("text/html"));
        assertEquals(200, io.restassured.RestAssured.get(cp.baseUrl() + "/ui/js/app.js").statusCode());
        assertEquals(401, io.restassured.RestAssured.get(cp.baseUrl() + "/v1/whoami").statusCode(), "the API still needs a token");
        // And the page loads, with no script or style refused by the policy (those would be console errors).
        driver.get(cp.baseUrl() + "/ui/");
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
    }

    private void logIn(String token) {
        driver.get(cp.baseUrl() + "/ui/");
        WebElement input = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));
        assertEveryControlLabelled();
        input.sendKeys(token);
        input.sendKeys(Keys.ENTER);
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("logout")));
    }

    /**
     * Every form control has a label a screen reader announces (a label element or aria-label), and every piece of
     * visible text stands out from what is behind it by WCAG 2's contrast ratio: at least 4.5:1, 3:1 for large text
     * (24 px, or 18.66 px bold). The background is the first opaque one up the tree.
     */
    private void assertEveryControlLabelled() {
        Object lowContrast = ((JavascriptExecutor) driver).executeScript("""
                const lum = c => { const v = c.match(/[\\d.]+/g).slice(0, 3).map(Number).map(x => x / 255)
                    .map(x => x <= 0.03928 ? x / 12.92 : Math.pow((x + 0.055) / 1.055, 2.4));
                    return 0.2126 * v[0] + 0.7152 * v[1] + 0.0722 * v[2]; };
                const opaque = c => { const m = c.match(/[\\d.]+/g); return m && (m.length < 4 || Number(m[3]) > 0.99); };
                const behind = e => { for (let n = e; n; n = n.parentElement) { const b = getComputedStyle(n).backgroundColor;
                    if (opaque(b)) return b; } return 'rgb(255, 255, 255)'; };
                const out = [];
                for (const e of document.querySelectorAll('body *')) {
                    if (![...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim())) continue;
                    const r = e.getBoundingClientRect(); const st = getComputedStyle(e);
                    if (!r.width || !r.height || st.visibility === 'hidden') continue;
                    const a = lum(st.color), b = lum(behind(e));
                    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
                    const px = parseFloat(st.fontSize), bold = Number(st.fontWeight) >= 700;
                    const need = px >= 24 || (bold && px >= 18.66) ? 3 : 4.5;
                    if (ratio < need) out.push(ratio.toFixed(2) + ' ' + st.color + ' on ' + behind(e) + ': ' + e.textContent.trim().slice(0, 40));
                }
                return out;""");
        assertEquals(List.of(), lowContrast, "text below WCAG's contrast ratio");
        Object unlabelled = ((JavascriptExecutor) driver).executeScript(
                "return [...document.querySelectorAll('input, select, textarea, button')]"
                        + ".filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.textContent.trim())"
                        + ".map(e => e.outerHTML)");
        assertEquals(List.of(), unlabelled, "controls without a label");
    }

    private void waitText(By by, String text) {
        wait.withMessage(() -> by + " to show '" + text + "'").until(ExpectedConditions.textToBePresentInElementLocated(by, text));
    }

    private Path shoot(String name) throws IOException {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Path to = SHOTS.resolve(name + ".png");
        Files.copy(f.toPath(), to, StandardCopyOption.REPLACE_EXISTING);
        return to;
    }
}
