# Reference numbers for tests/survey/test_penalised.py: Firth's logistic
# regression with case weights, profile penalised-likelihood intervals, and
# the DuMouchel-Duncan test of an ordered logit.
#
# Made with: R 4.2.2, brglm2 0.9, survey 4.1.1, MASS 7.3-58.2 (Debian packages
# r-cran-brglm2, r-cran-survey, r-cran-mass). logistf is not packaged for
# Debian, so the profile intervals are computed here by hand (see 2.).
#
# Rerun from the repository root:
#   python tests/fixtures/make_firth_input.py   # seeded input -> tests/fixtures/input_firth.csv
#   Rscript tests/r/firth.R                     # R references -> tests/fixtures/ref_firth.csv
#
# Output: one row per number, columns check, term, value.

suppressMessages({
  library(brglm2)
  library(survey)
  library(MASS)
})
options(digits = 15)

fx <- function(name) file.path("tests", "fixtures", name)
f <- read.csv(fx("input_firth.csv"))
f$yb <- as.numeric(f$y == 2)

# ---------------------------------------------------------------------------
# 1. Firth's logistic regression: brglm2, type "AS_mean" (for the canonical
#    logit link, the maximum of l(beta) + 0.5 log det I(beta)); the weights
#    are case weights, so I = X' diag(w mu (1 - mu)) X
# ---------------------------------------------------------------------------
fit <- suppressWarnings(glm(yb ~ x + d + g, family = binomial("logit"), data = f,
                            weights = weight, method = "brglmFit", type = "AS_mean",
                            epsilon = 1e-14, maxit = 1000))
stopifnot(fit$converged)
beta_hat <- coef(fit)

X <- model.matrix(~ x + d + g, data = f)
w <- f$weight
yb <- f$yb

# penalised log likelihood and its gradient (the modified score)
pl <- function(beta) {
  eta <- drop(X %*% beta)
  mu <- plogis(eta)
  ll <- sum(w * (yb * eta - log1p(exp(eta))))
  info <- crossprod(X * sqrt(w * mu * (1 - mu)))
  ll + 0.5 * as.numeric(determinant(info, logarithm = TRUE)$modulus)
}
modified_score <- function(beta) {
  mu <- plogis(drop(X %*% beta))
  W <- w * mu * (1 - mu)
  info <- crossprod(X * sqrt(W))
  h <- rowSums((X %*% solve(info)) * X) * W   # hat values
  list(score = drop(crossprod(X, w * (yb - mu) + h * (0.5 - mu))), info = info)
}

# ---------------------------------------------------------------------------
# 2. Profile penalised-likelihood intervals (Heinze and Schemper 2002, as in
#    logistf): hold beta_j = b, maximise pl over the others by Firth's
#    modified-score iteration, and find where 2 (pl(beta_hat) - profile(b))
#    equals the chi-square quantile (uniroot on a bracket found by stepping)
# ---------------------------------------------------------------------------
profile_max <- function(j, b, start) {
  beta <- start
  beta[j] <- b
  free <- setdiff(seq_along(beta), j)
  for (it in 1:500) {
    ms <- modified_score(beta)
    step <- solve(ms$info[free, free], ms$score[free])
    beta[free] <- beta[free] + step
    if (max(abs(step)) < 1e-13) return(beta)
  }
  stop("profile fit did not converge")
}
pl_hat <- pl(beta_hat)
crit <- qchisq(0.95, 1)
profile_bound <- function(j, side) {
  dev <- function(b) 2 * (pl_hat - pl(profile_max(j, b, beta_hat)))
  inner <- beta_hat[j]
  dist <- 0.5
  repeat {
    if (dev(beta_hat[j] + side * dist) >= crit) break
    inner <- beta_hat[j] + side * dist
    dist <- 2 * dist
  }
  ends <- sort(c(inner, beta_hat[j] + side * dist))
  uniroot(function(b) dev(b) - crit, ends, tol = 1e-13)$root
}

rows <- data.frame(check = "firth_coef", term = names(beta_hat), value = unname(beta_hat))
rows <- rbind(rows, data.frame(check = "firth_objective", term = "pl", value = pl_hat))
rows <- rbind(rows, data.frame(check = "firth_max_abs_score", term = "score",
                               value = max(abs(modified_score(beta_hat)$score))))
for (term in c("d", "x")) {
  j <- match(term, colnames(X))
  rows <- rbind(rows, data.frame(check = c("profile_lower", "profile_upper"), term = term,
                                 value = c(profile_bound(j, -1), profile_bound(j, 1))))
}

# ---------------------------------------------------------------------------
# 3. DuMouchel-Duncan test on input_ologit_b.csv: the unweighted ordered
#    logit augmented with the weight and weight x covariate, Wald test of the
#    augmenting terms with the sandwich covariance (svyolr on a design with
#    equal weights: n/(n-1) H^-1 (sum s s') H^-1)
# ---------------------------------------------------------------------------
b <- read.csv(fx("input_ologit_b.csv"))
b$y <- factor(b$y, levels = 1:4)
b$one <- 1
des <- svydesign(ids = ~1, weights = ~one, data = b)
tight <- function(k) list(reltol = 1e-15, maxit = 20000, ndeps = rep(1e-6, k))
aug <- svyolr(y ~ x1 + x2 + d + weight + x1:weight + x2:weight + d:weight,
              design = des, control = tight(7 + 3))
terms <- c("weight", "x1:weight", "x2:weight", "d:weight")
est <- coef(aug)[terms]
V <- vcov(aug)[terms, terms]
stat <- drop(t(est) %*% solve(V, est))
py_terms <- c("weight", "weight:x1", "weight:x2", "weight:d")
rows <- rbind(rows,
              data.frame(check = "dd_coef", term = py_terms, value = unname(est)),
              data.frame(check = "dd_se", term = py_terms, value = unname(sqrt(diag(V)))),
              data.frame(check = "dd_test", term = c("statistic", "df", "p_value"),
                         value = c(stat, length(terms), pchisq(stat, length(terms), lower.tail = FALSE))))

write.csv(rows, fx("ref_firth.csv"), row.names = FALSE)
