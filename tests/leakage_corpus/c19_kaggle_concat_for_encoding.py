# leakage-corpus: expect=none
import pandas as pd
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer

train = pd.read_csv("input/train.csv")
test = pd.read_csv("input/test.csv")
ntrain = train.shape[0]
y = train["Survived"]
full = pd.concat([train.drop(columns="Survived"), test])
full = pd.get_dummies(full[["Pclass", "Sex", "Embarked", "Age", "Fare"]])
X = full[:ntrain]
X_sub = full[ntrain:]
model = make_pipeline(SimpleImputer(), RandomForestClassifier(n_estimators=200, random_state=0))
print(cross_val_score(model, X, y, cv=5).mean())
model.fit(X, y)
pd.DataFrame({"PassengerId": test["PassengerId"], "Survived": model.predict(X_sub)}).to_csv("sub.csv", index=False)
