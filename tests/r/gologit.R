# Reference numbers from R for the generalised ordered logit (scsrepro.survey.gologit).
#
# Made with: R 4.2.2 Patched (2022-11-10 r83330), VGAM 1.1-7
# (Debian packages r-base-core, r-cran-vgam).
#
# Rerun from the repository root:
#   python tests/fixtures/make_inputs.py   # seeded inputs -> tests/fixtures/input_gologit.csv
#   Rscript tests/r/gologit.R              # R references  -> tests/fixtures/ref_gologit.csv
#
# VGAM's cumulative(reverse = TRUE) models eta_j = logit P(y >= j + 1) =
# logit P(y > j), j = 1..3, the sign convention of Stata's gologit2 and of
# scsrepro.survey.gologit: "(Intercept):j" is alpha_j (= -cut_j of an ordered
# logit) and "x:j" the slope of x in equation j; a term with one constraint
# column (parallel) has one coefficient "x". parallel = FALSE ~ x1 + g frees
# x1 and both dummies of the factor g (the intercepts are never parallel).
# The weights enter as prior weights: the estimates are the weighted
# pseudo-ML ones, logLik is sum(w * log P(y_i)), and vcov is the inverse of the
# weighted *expected* information (Fisher scoring), which the tests compare
# with cov_type = "eim". The convergence tolerance is tightened so that the
# reference is the converged estimate. The tests read the CSV; CI never runs R.

suppressMessages(library(VGAM))
options(digits = 15)

fx <- function(name) file.path("tests", "fixtures", name)
stopifnot(file.exists(fx("input_gologit.csv")))

d <- read.csv(fx("input_gologit.csv"))
d$y <- ordered(d$y, levels = 1:4)
d$g <- factor(d$g, levels = 1:3)  # base 1, as categorical = {"g": 1}

# VGAM's names -> the names of scsrepro.survey.gologit.GologitLayout.names()
python_name <- function(v) {
  v <- sub("^\\(Intercept\\)", "_cons", v)
  sub("^g([0-9])", "g_\\1", v)
}

specs <- list(
  po = cumulative(parallel = TRUE, reverse = TRUE),
  partial = cumulative(parallel = FALSE ~ x1 + g, reverse = TRUE),
  full = cumulative(parallel = FALSE, reverse = TRUE)
)

rows <- list()
for (model in names(specs)) {
  fit <- vglm(y ~ x1 + x2 + d + g, family = specs[[model]], weights = weight, data = d,
              control = vglm.control(epsilon = 1e-13, maxit = 100))
  b <- coef(fit)
  se <- sqrt(diag(vcov(fit)))[names(b)]
  rows[[model]] <- rbind(
    data.frame(model = model, name = python_name(names(b)), coef = unname(b), se = unname(se)),
    data.frame(model = model, name = c("ll", "nobs", "iterations"),
               coef = c(as.numeric(logLik(fit)), nobs(fit), fit@iter), se = NA)
  )
}
write.csv(do.call(rbind, rows), fx("ref_gologit.csv"), row.names = FALSE)
