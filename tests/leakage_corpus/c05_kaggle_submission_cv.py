# leakage-corpus: expect=none
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.ensemble import RandomForestClassifier
from sklearn.model_selection import cross_val_score

train = pd.read_csv("../input/titanic/train.csv")
test = pd.read_csv("../input/titanic/test.csv")
features = ["Pclass", "Sex", "SibSp", "Parch", "Age", "Fare"]
X = pd.get_dummies(train[features])
y = train["Survived"]
X_sub = pd.get_dummies(test[features])

model = make_pipeline(SimpleImputer(strategy="median"), RandomForestClassifier(n_estimators=100, max_depth=5, random_state=1))
print("CV accuracy:", cross_val_score(model, X, y, cv=5).mean())
model.fit(X, y)
output = pd.DataFrame({"PassengerId": test.PassengerId, "Survived": model.predict(X_sub)})
output.to_csv("submission.csv", index=False)
