# Reference numbers from R for the survey-statistics tests.
#
# Made with: R 4.2.2 Patched (2022-11-10 r83330), survey 4.1.1, MASS 7.3-58.2
# (Debian packages r-base-core, r-cran-survey, r-cran-mass).
#
# Rerun from the repository root:
#   python tests/fixtures/make_inputs.py   # seeded inputs  -> tests/fixtures/input_*.csv
#   Rscript tests/r/make_fixtures.R        # R references   -> tests/fixtures/ref_*.csv
#
# Every design here is svydesign(ids = ~1, weights = ~weight): one stage, no
# strata, no clusters, no finite-population correction. That is the design the
# Python estimators in scsrepro.survey.estimates / scsrepro.survey.models claim to equal.
# The tests in tests/test_*.py read the ref_*.csv files; CI never runs R.

suppressMessages({
  library(survey)
  library(MASS)
})
options(digits = 15)

fx <- function(name) file.path("tests", "fixtures", name)
write_ref <- function(df, name) {
  write.csv(df, fx(name), row.names = FALSE)
}
stopifnot(file.exists(fx("input_ologit_a.csv")))

# ---------------------------------------------------------------------------
# 1. Weighted ordered logit: survey::svyolr (= Stata ologit [pweight=w])
# ---------------------------------------------------------------------------
# optim is run with tight tolerances so that the reference is the converged
# pseudo-ML estimate, not polr/svyolr's default stopping point. svyolr takes
# its Hessian from optim(hessian = TRUE), i.e. central differences of the
# analytic gradient with step ndeps (default 1e-3, which leaves relative errors
# of ~2e-4 in the SE of a slope on a wide scale such as age); a step of 1e-6
# makes the reference SEs accurate to ~1e-8.
tight <- function(k) list(reltol = 1e-15, maxit = 20000, ndeps = rep(1e-6, k))

olr_table <- function(fit, design, y, names_map) {
  beta <- coef(fit)
  V <- vcov(fit)
  est <- c(beta[names(beta) %in% names(names_map)], fit$zeta)
  se <- sqrt(diag(V))[names(est)]
  term <- c(unname(names_map[names(beta)[names(beta) %in% names(names_map)]]),
            paste0("cut", seq_along(fit$zeta)))
  # weighted log pseudo-likelihood with the weights as given
  w <- weights(design)
  p_obs <- fit$fitted.values[cbind(seq_along(y), as.integer(y))]
  ll <- sum(w * log(p_obs))
  shares <- tapply(w, y, sum) / sum(w)
  ll_null <- sum(w * log(shares[as.integer(y)]))
  out <- data.frame(term = term, coef = unname(est), se = unname(se))
  rbind(out,
        data.frame(term = c("ll", "ll_null", "nobs"),
                   coef = c(ll, ll_null, length(y)), se = NA))
}

a <- read.csv(fx("input_ologit_a.csv"))
a$approval <- factor(a$approval, levels = 1:5)
a$income_group <- factor(a$income_group, levels = 1:3)           # base 1
a$region <- relevel(factor(a$region, levels = 1:3), ref = "3")   # base 3 (non-default)
des_a <- svydesign(ids = ~1, weights = ~weight, data = a)
fit_a <- svyolr(approval ~ age + male + income_group + region + urban,
                design = des_a, control = tight(7 + 4))
map_a <- c(age = "age", male = "male",
           income_group2 = "income_group_2", income_group3 = "income_group_3",
           region1 = "region_1", region2 = "region_2", urban = "urban")
write_ref(olr_table(fit_a, des_a, a$approval, map_a), "ref_ologit_a.csv")

b <- read.csv(fx("input_ologit_b.csv"))
b$y <- factor(b$y, levels = 1:4)
des_b <- svydesign(ids = ~1, weights = ~weight, data = b)
fit_b <- svyolr(y ~ x1 + x2 + d, design = des_b, control = tight(3 + 3))
map_b <- c(x1 = "x1", x2 = "x2", d = "d")
write_ref(olr_table(fit_b, des_b, b$y, map_b), "ref_ologit_b.csv")

# ---------------------------------------------------------------------------
# 2. Raking (no cap): survey::rake, iterated to convergence
# ---------------------------------------------------------------------------
r <- read.csv(fx("input_rake.csv"), stringsAsFactors = FALSE)
m <- read.csv(fx("input_rake_margins.csv"), stringsAsFactors = FALSE)
des_r <- svydesign(ids = ~1, weights = ~design_weight, data = r)
total <- sum(r$design_weight)
pop <- lapply(split(m, m$variable), function(mm) {
  df <- data.frame(mm$level, mm$share * total, stringsAsFactors = FALSE)
  names(df) <- c(mm$variable[1], "Freq")
  df
})
vars <- c("age_group", "gender", "region")
raked <- rake(des_r,
              sample.margins = lapply(vars, function(v) as.formula(paste0("~", v))),
              population.margins = pop[vars],
              control = list(maxit = 1000, epsilon = 1e-13))
w_r <- weights(raked)
write_ref(data.frame(row = seq_along(w_r) - 1, weight = w_r / mean(w_r)),
          "ref_rake.csv")

# ---------------------------------------------------------------------------
# 3. Proportions, means, variances: svymean / svyciprop / svyvar
# ---------------------------------------------------------------------------
s <- read.csv(fx("input_survey.csv"))
des_s <- svydesign(ids = ~1, weights = ~weight, data = s)

# rows with y missing are dropped (an uncalibrated design is subset, as
# svymean(..., na.rm = TRUE) does)
des_y <- subset(des_s, !is.na(y))
props <- NULL
for (k in 1:5) {
  des_y <- update(des_y, yk = as.numeric(y == k))
  m_k <- svymean(~yk, des_y)
  wald <- confint(m_k)                               # normal quantile
  cp <- svyciprop(~yk, des_y, method = "logit")       # t with degf(design) df
  props <- rbind(props, data.frame(
    level = k, proportion = unname(coef(m_k)), se = unname(SE(m_k)),
    wald_low = wald[1], wald_high = wald[2],
    logit_low = unname(attr(cp, "ci")[1]), logit_high = unname(attr(cp, "ci")[2]),
    logit_prop = unname(cp[1]), n = nrow(des_y)))
}
write_ref(props, "ref_proportions.csv")

des_x <- subset(des_s, !is.na(x))
mx <- svymean(~x, des_x)
ci_x <- confint(mx)
vx <- svyvar(~x, des_x)
write_ref(data.frame(
  stat = c("mean", "se", "ci_low", "ci_high", "svyvar", "n"),
  value = c(unname(coef(mx)), unname(SE(mx)), ci_x[1], ci_x[2],
            unname(coef(vx)), nrow(des_x))), "ref_mean.csv")

# ---------------------------------------------------------------------------
# 4. Rao-Scott second-order corrected chi-square: svychisq(statistic = "F")
# ---------------------------------------------------------------------------
chi <- function(f, label) {
  t <- svychisq(f, des_s, statistic = "F")
  p <- suppressWarnings(svychisq(f, des_s, statistic = "Chisq"))
  data.frame(case = label, f = unname(t$statistic),
             ndf = unname(t$parameter["ndf"]), ddf = unname(t$parameter["ddf"]),
             p_value = unname(t$p.value), chisq_p_value = unname(p$p.value))
}
write_ref(rbind(chi(~a + b, "a_b"), chi(~a + b_na, "a_b_na"), chi(~b + y, "b_y")),
          "ref_chisq.csv")

cat("wrote tests/fixtures/ref_*.csv\n")
