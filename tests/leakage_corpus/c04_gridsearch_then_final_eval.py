# leakage-corpus: expect=none notebook
import pandas as pd
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
# %%
cancer = pd.read_csv("breast_cancer.csv")
X = cancer.drop(columns=["id", "diagnosis"])
y = cancer["diagnosis"].map({"M": 1, "B": 0})
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
# %%
param_grid = {"svc__C": [0.1, 1, 10, 100], "svc__gamma": [0.001, 0.01, 0.1]}
grid = GridSearchCV(make_pipeline(StandardScaler(), SVC()), param_grid, cv=5)
grid.fit(X_train, y_train)
print(grid.best_params_, grid.best_score_)
# %%
print("train score:", grid.score(X_train, y_train))
print("test score:", grid.score(X_test, y_test))
