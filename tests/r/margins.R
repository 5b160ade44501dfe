# Reference average marginal effects and average predictions of a weighted
# ordered logit, for tests/survey/test_margins.py.
#
# No package for marginal effects (marginaleffects, margins) is packaged in
# Debian, so this script computes them itself in base R on a survey::svyolr
# fit, with its own code: the probabilities of the five answers from the
# cut points (zeta) and the slopes, averaged with the weights normalised to
# sum to one; the effect of age as the analytic derivative (checked here
# against numDeriv's Richardson derivative in the age column), the effects
# of the 0/1 columns and of the factor dummies as discrete changes (from the
# base level, the factor's other dummies at 0); and the delta-method
# standard errors sqrt(diag(G V G')) with G the Jacobian of the effects in
# (slopes, cut points) by numDeriv::jacobian (Richardson extrapolation) and
# V the covariance svyolr reports. Python computes the same quantities with
# analytic derivatives (scsrepro.survey.margins), so the two share nothing
# but the definitions.
#
# Rerun from the repository root (needs r-cran-survey, r-cran-mass and
# r-cran-numderiv):
#   Rscript tests/r/margins.R    # -> tests/fixtures/ref_margins.csv
# The input is tests/fixtures/input_ologit_a.csv (made by make_inputs.py);
# the model is the one of tests/r/make_fixtures.R on that file.

suppressMessages({
  library(survey)
  library(MASS)
  library(numDeriv)
})
options(digits = 15)

fx <- function(name) file.path("tests", "fixtures", name)
stopifnot(file.exists(fx("input_ologit_a.csv")))

# the fit: as in make_fixtures.R, with tight optim control so that the
# estimate is the converged one and the Hessian (hence V) is accurate
tight <- function(k) list(reltol = 1e-15, maxit = 20000, ndeps = rep(1e-6, k))
a <- read.csv(fx("input_ologit_a.csv"))
a$approval <- factor(a$approval, levels = 1:5)
a$income_group <- factor(a$income_group, levels = 1:3)           # base 1
a$region <- relevel(factor(a$region, levels = 1:3), ref = "3")   # base 3
des <- svydesign(ids = ~1, weights = ~weight, data = a)
fit <- svyolr(approval ~ age + male + income_group + region + urban,
              design = des, control = tight(7 + 4))

theta <- coef(fit)                      # slopes, then the cut points 1|2 .. 4|5
V <- vcov(fit)[names(theta), names(theta)]
X <- model.matrix(~ age + male + income_group + region + urban, a)[, -1]
p <- ncol(X)
stopifnot(identical(colnames(X), names(theta)[1:p]))
w <- a$weight / sum(a$weight)
python_name <- c(age = "age", male = "male",
                 income_group2 = "income_group_2", income_group3 = "income_group_3",
                 region1 = "region_1", region2 = "region_2", urban = "urban")
outcome_names <- c("1", "2", "3", "4", "5", "4+5")

# P(y = k | x) for the five answers: P(y <= k) = plogis(zeta_k - x'beta)
probs <- function(th, Xm) {
  cum <- plogis(outer(-drop(Xm %*% th[1:p]), th[-(1:p)], "+"))
  cbind(cum, 1) - cbind(0, cum)
}
# the weighted average of each answer and of the set {4, 5}
with_set <- function(v) c(v, v[4] + v[5])
average <- function(th, Xm) with_set(colSums(w * probs(th, Xm)))

# d P / d x_j = beta_j (f(zeta_{k-1} - eta) - f(zeta_k - eta)), f the logistic density
dydx <- function(th, j) {
  dens <- dlogis(outer(-drop(X %*% th[1:p]), th[-(1:p)], "+"))
  with_set(th[j] * colSums(w * (cbind(0, dens) - cbind(dens, 0))))
}
# the change from X0 to X1, where X0 has the term's factor (or the 0/1 column) at 0
discrete <- function(th, term, group) {
  X0 <- X
  X0[, group] <- 0
  X1 <- X0
  X1[, term] <- 1
  average(th, X1) - average(th, X0)
}
groups <- list(male = "male", income_group2 = c("income_group2", "income_group3"),
               income_group3 = c("income_group2", "income_group3"),
               region1 = c("region1", "region2"), region2 = c("region1", "region2"),
               urban = "urban")
effects <- function(th) {
  c(dydx(th, "age"), unlist(lapply(names(groups), function(t) discrete(th, t, groups[[t]]))))
}

# the analytic derivative in age against numDeriv's in the age column
shifted <- function(s) { Xs <- X; Xs[, "age"] <- Xs[, "age"] + s; average(theta, Xs) }
stopifnot(max(abs(drop(jacobian(shifted, 0)) - dydx(theta, "age"))) < 1e-9)

ame <- effects(theta)
G <- jacobian(effects, theta)
terms <- c("age", names(groups))
out_ame <- data.frame(
  quantity = "ame", term = rep(unname(python_name[terms]), each = 6), value = NA,
  outcome = rep(outcome_names, length(terms)), estimate = ame,
  se = sqrt(diag(G %*% V %*% t(G))))

# average predictions with income_group set to each level for everyone
at_income <- function(th) {
  unlist(lapply(1:3, function(lev) {
    Xl <- X
    Xl[, c("income_group2", "income_group3")] <- 0
    if (lev > 1) Xl[, paste0("income_group", lev)] <- 1
    average(th, Xl)
  }))
}
G_at <- jacobian(at_income, theta)
out_at <- data.frame(
  quantity = "prediction", term = "income_group", value = rep(1:3, each = 6),
  outcome = rep(outcome_names, 3), estimate = at_income(theta),
  se = sqrt(diag(G_at %*% V %*% t(G_at))))

write.csv(rbind(out_ame, out_at), fx("ref_margins.csv"), row.names = FALSE)
cat("wrote tests/fixtures/ref_margins.csv\n")
