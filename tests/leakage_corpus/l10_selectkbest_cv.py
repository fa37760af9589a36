# leakage-corpus: expect=MLD602 notebook
import pandas as pd
from sklearn.feature_selection import SelectKBest, chi2
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_score, StratifiedKFold
# %%
df = pd.read_csv("mobile_price.csv")
X = df.iloc[:, 0:20]
y = df.iloc[:, -1]
# %%
best_features = SelectKBest(score_func=chi2, k=10)
X_new = best_features.fit_transform(X, y)
# %%
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
scores = cross_val_score(LogisticRegression(max_iter=2000), X_new, y, cv=cv, scoring="accuracy")
print(scores.mean(), scores.std())
